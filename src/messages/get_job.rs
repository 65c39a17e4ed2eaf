//! GetJobRequest (`job_id`) and the answer's `data`: the recorded user as `xsi:type="tns:UserData"`, because the
//! element is `xsd:anyType` (GetJob answers for any operation, as DynECT's does).

use super::Request;
use super::reader::{FAULT_INCOMPAT, Field, Fields, TOKEN, one};
use crate::domain::DomainError;
use crate::domain::audit::JobId;

pub const FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("job_id")];

pub fn decode(f: &Fields) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let job = f
        .required("job_id")?
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| DomainError::invalid("job_id", "a positive integer expected"))?;
    Ok(Request::GetJob { token, job: JobId(job) })
}
