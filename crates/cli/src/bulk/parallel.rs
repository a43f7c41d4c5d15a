//! Bulk work a few calls at a time, with a progress bar.

use std::future::Future;
use std::sync::Arc;

use super::progress::Progress;

/// Calls to the server at once.
const IN_FLIGHT: usize = 8;

/// Runs `work` on every item, `IN_FLIGHT` at a time, advancing a progress
/// bar titled `what`; the results in the order they finished.
pub async fn each<I, T, F, Fut>(
    what: &'static str,
    items: Vec<I>,
    work: F,
) -> Vec<Result<T, tokio::task::JoinError>>
where
    I: Send + 'static,
    T: Send + 'static,
    F: Fn(I) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let progress = Progress::new(what, items.len());
    let limit = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for item in items {
        let limit = Arc::clone(&limit);
        let job = work(item);
        tasks.spawn(async move {
            let _slot = limit
                .acquire_owned()
                .await
                .expect("the semaphore stays open");
            job.await
        });
    }
    let mut results = Vec::new();
    while let Some(done) = tasks.join_next().await {
        results.push(done);
        progress.advance();
    }
    progress.finish();
    results
}
