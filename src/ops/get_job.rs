//! GetJob: the recorded status and message of an earlier state-changing call of the caller's customer, answered
//! under that call's job id, with its user data when the caller may see it.

use super::{Ctx, Replay, Reply};
use crate::domain::DomainError;
use crate::domain::audit::{self, JobId};
use crate::messages::Data;
use crate::messages::common::Msg;

pub fn run(ctx: &Ctx<'_>, token: &str, id: JobId) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let record = audit::job(ctx.app.store.as_ref(), &caller, id)?;
    let info = record.info.clone().unwrap_or_else(|| format!("job: {} left no recorded result", record.operation));
    let msg = match record.err_cd() {
        None => Msg::info(info.clone()),
        Some(code) => Msg { lvl: "ERROR", err_cd: Some(code), info: info.clone() },
    };
    let data = record.user.map_or(Data::None, |u| Data::TypedUser(Box::new(u)));
    Ok(Reply {
        data,
        info,
        replay: Some(Replay { job: record.job, success: msg.err_cd.is_none(), msg }),
        warning: None,
    })
}
