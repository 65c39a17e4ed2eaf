//! SessionLogin: the per-source rate limit, then the password (Argon2id) behind the per-account lockout, the TOTP
//! code when the user has one, a new password when one is sent (or must be), then a new session; every refusal of
//! the account looks the same until the credentials were right.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::domain::login_guard::Admission;
use crate::domain::session::{LoginInputs, login};
use crate::domain::values::{CustomerName, UserName};
use crate::messages::session_login::Extras;
use crate::messages::{Data, Operation};

pub fn run(
    ctx: &Ctx<'_>,
    customer: &CustomerName,
    user_name: &UserName,
    password: &str,
    extras: &Extras,
) -> Result<Reply, DomainError> {
    // Before any lookup or hashing: a refused source costs nothing. No audit record either: the attempt changes
    // nothing, and a durable write per flooded request would turn the limiter into a write amplifier.
    if let Some(ip) = ctx.meta.client_ip
        && let Admission::Refused { first } = ctx.app.login_limiter.check(ip, ctx.now)
    {
        if first {
            tracing::warn!(job_id = ctx.job.0, client = %ip, "SessionLogin: source over its login rate; refusing");
        }
        ctx.app.metrics.login_failures.inc();
        return Err(DomainError::too_many_logins());
    }
    let (token, token_hash) = crate::auth::token::generate().map_err(|_| DomainError::internal())?;
    let mut audit = ctx.audit(None, Operation::SessionLogin, user_name.as_str(), "login: Login successful");
    audit.actor_name = user_name.to_string();
    let hasher = &ctx.app.hasher;
    let verify = |stored: Option<&str>| hasher.verify(password, stored);
    let policy = &ctx.app.policy;
    let logged_in = super::with_password_work(ctx, |work| {
        let inputs = LoginInputs {
            verify: &verify,
            totp_code: extras.totp_code.as_deref(),
            new_password: extras.new_password.as_ref(),
            password_work: work,
            lockout: policy.lockout,
            in_flight: &ctx.app.logins_in_flight,
            sessions: policy.session,
            now: ctx.now,
            token_hash,
        };
        login(ctx.app.store.as_ref(), customer, user_name, inputs, &mut audit)
    })
    .inspect_err(|_| {
        ctx.app.metrics.login_failures.inc();
        if audit.changed.contains(&"locked") {
            ctx.app.metrics.lockouts.inc();
            // OWASP: lockouts are logged and reviewed. The name is the one tried, which the audit record holds too.
            tracing::warn!(job_id = ctx.job.0, customer = customer.as_str(), user = %user_name, "login: account locked");
        }
    })?;
    let mut reply = Reply::new(Data::Login { token, version: env!("CARGO_PKG_VERSION") }, audit.info);
    if let (Some(days), Some(at)) =
        (policy.passwords.warn_days_left(logged_in.password_expiry, ctx.now), logged_in.password_expiry)
    {
        let unit = if days == 1 { "day" } else { "days" };
        reply.warning = Some(format!("password: expires in {days} {unit} ({at}); change it", at = at.to_rfc3339()));
    }
    Ok(reply)
}
