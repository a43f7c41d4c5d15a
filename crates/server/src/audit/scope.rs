//! The audit scope of one API request: its draft event, and whether the
//! event is already in the store.
//!
//! The HTTP layer runs the operation inside the scope (a task-local), so
//! `Service::write` finds it without every handler passing it along: the
//! first write job of a request appends the success event in the same
//! transaction as the change, and the scope notes it once the commit is
//! durable. Whatever the request did not record that way — a read, a
//! failure, a change whose commit failed — the HTTP layer records on its
//! own before answering.

use std::future::Future;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;
use tresor_wire::AwsError;
use tresor_wire::model::Model;

use super::classify::redact;
use super::record::{Draft, Outcome, records_response};
use super::trail::{AuditTrail, unavailable};
use crate::authz::Access;
use crate::store::WriteTxn;

tokio::task_local! {
    static SCOPE: Arc<RequestScope>;
}

/// Decides, race-free, whether a write job starts or its caller gave up.
#[derive(Debug, Default)]
pub struct WriteTicket(AtomicU8);

const PENDING: u8 = 0;
const STARTED: u8 = 1;
const ABANDONED: u8 = 2;

impl WriteTicket {
    /// In the job, before any change: `Err` if the caller gave up.
    pub fn start(&self) -> Result<(), AwsError> {
        self.0
            .compare_exchange(PENDING, STARTED, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| ())
            .map_err(|_| unavailable())
    }

    /// The caller gives up; `false` if the job already started.
    fn abandon(&self) -> bool {
        self.0
            .compare_exchange(PENDING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing written yet.
    Open,
    /// Appended in a write job that has not committed yet.
    Appended,
    /// Durable.
    Recorded,
}

pub struct RequestScope {
    trail: Arc<AuditTrail>,
    draft: Draft,
    /// The request's authorization decisions (their resources are the
    /// event's).
    access: Arc<Access>,
    deadline: Instant,
    state: Mutex<State>,
}

/// The scope of the request being served on this task, if any.
pub fn current() -> Option<Arc<RequestScope>> {
    SCOPE.try_with(Arc::clone).ok()
}

impl RequestScope {
    pub fn new(trail: Arc<AuditTrail>, draft: Draft, access: Arc<Access>) -> Arc<RequestScope> {
        let deadline = Instant::now() + trail.settings().timeout;
        Arc::new(RequestScope {
            trail,
            draft,
            access,
            deadline,
            state: Mutex::new(State::Open),
        })
    }

    /// Runs `f` (the operation) inside this scope.
    pub async fn run<F: Future>(self: &Arc<Self>, f: F) -> F::Output {
        SCOPE.scope(Arc::clone(self), f).await
    }

    pub fn draft(&self) -> &Draft {
        &self.draft
    }

    /// The ARNs the request's decisions were made on.
    pub fn resources(&self) -> Vec<String> {
        self.access.resources()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs a write job's future under the request's deadline. The job
    /// must call `WriteTicket::start` before changing anything: a job that
    /// had not started when the deadline passed never will (its caller is
    /// told nothing was changed), and one that had is waited for (it may be
    /// committing, and its caller must hear how that ended).
    pub async fn bounded<T>(
        &self,
        ticket: &WriteTicket,
        write: impl Future<Output = Result<T, AwsError>>,
    ) -> Result<T, AwsError> {
        tokio::pin!(write);
        match tokio::time::timeout_at(self.deadline, &mut write).await {
            Ok(result) => result,
            Err(_) if ticket.abandon() => {
                tracing::error!("a change was not written before its audit deadline; refused");
                self.trail.note(false);
                Err(unavailable())
            }
            Err(_) => write.await,
        }
    }

    /// In a write job whose changes are about to commit: appends the
    /// request's success event, unless an earlier job of the request did.
    /// `value` is what the job returns (for a change, the operation's
    /// response, recorded redacted).
    pub fn append_success<T: Serialize>(
        &self,
        txn: &mut dyn WriteTxn,
        value: &T,
    ) -> Result<(), AwsError> {
        let mut state = self.state();
        if *state != State::Open {
            return Ok(());
        }
        let response = match self.draft.target {
            Some(target) if records_response(target) => self.response_elements(value),
            _ => Value::Null,
        };
        let event = self
            .draft
            .finish(&Outcome::Success { response }, &self.access.resources());
        self.trail.append(txn, event).map_err(|e| {
            tracing::error!(error = %e, "appending an audit event failed");
            unavailable()
        })?;
        *state = State::Appended;
        Ok(())
    }

    fn response_elements<T: Serialize>(&self, value: &T) -> Value {
        let Some(target) = self.draft.target else {
            return Value::Null;
        };
        let (Some(model), Ok(value)) = (Model::of(target.service()), serde_json::to_value(value))
        else {
            return Value::Null;
        };
        let Some(shape) = model.output_shape(target) else {
            return Value::Null;
        };
        let keys = self.trail.keys();
        redact(model, shape, &value, &|v| keys.field_hmac(v))
    }

    /// After a write job resolved: its event is durable, or (the commit
    /// failed) not written after all.
    pub fn write_finished(&self, committed: bool) {
        let mut state = self.state();
        if *state == State::Appended {
            self.trail.note(committed);
            *state = if committed {
                State::Recorded
            } else {
                State::Open
            };
        }
    }

    pub fn is_recorded(&self) -> bool {
        *self.state() == State::Recorded
    }

    /// Records the request's outcome in a job of its own, unless a write
    /// already recorded it.
    pub async fn record_outcome(&self, outcome: Outcome) -> Result<(), AwsError> {
        if self.is_recorded() {
            return Ok(());
        }
        let outcome = match outcome {
            Outcome::Failure { code, message, .. } => Outcome::Failure {
                code,
                message,
                decided: self.access.was_checked(),
            },
            success => success,
        };
        let event = self.draft.finish(&outcome, &self.access.resources());
        let durable = !self.draft.read_only;
        self.trail.record(event, durable).await
    }
}
