//! `seed`: creates `<prefix><6 digits>` secrets with ~200-byte JSON
//! values; every `--versions-every`th gets two more versions. Secrets that
//! exist already are kept, so a seed can be rerun or extended.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clap::Args;
use serde_json::json;

use crate::client::{Connection, Target};
use crate::ops::{Plan, token, value};

#[derive(Args, Debug)]
pub struct SeedArgs {
    #[arg(long, default_value_t = 1000)]
    secrets: usize,
    #[arg(long, default_value = "bench/s/")]
    prefix: String,
    /// Every this many secrets has three versions (0: none).
    #[arg(long, default_value_t = 10)]
    versions_every: usize,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    #[command(flatten)]
    target: Target,
}

pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let (plan, address) = Plan::new(&args.target, &args.prefix, args.secrets, None)?;
    let plan = Arc::new(plan);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..args.concurrency {
        let (plan, next) = (Arc::clone(&plan), Arc::clone(&next));
        let (count, every) = (args.secrets, args.versions_every);
        workers.spawn(async move {
            let mut rng = fastrand::Rng::with_seed(worker as u64 + 17);
            let mut connection = Connection::open(address).await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return anyhow::Ok(());
                }
                let name = plan.name(i);
                let body = json!({
                    "Name": name,
                    "SecretString": value(&mut rng),
                    "ClientRequestToken": token(&mut rng),
                });
                let (status, answer) = connection
                    .send(plan.signed("CreateSecret", serde_json::to_vec(&body)?))
                    .await?;
                let exists = String::from_utf8_lossy(&answer).contains("ResourceExistsException");
                if status != 200 && !exists {
                    anyhow::bail!(
                        "creating {name}: HTTP {status}: {}",
                        String::from_utf8_lossy(&answer)
                    );
                }
                if every > 0 && i % every == 0 && !exists {
                    for _ in 0..2 {
                        let body = json!({
                            "SecretId": name,
                            "SecretString": value(&mut rng),
                            "ClientRequestToken": token(&mut rng),
                        });
                        let (status, answer) = connection
                            .send(plan.signed("PutSecretValue", serde_json::to_vec(&body)?))
                            .await?;
                        if status != 200 {
                            anyhow::bail!(
                                "versioning {name}: HTTP {status}: {}",
                                String::from_utf8_lossy(&answer)
                            );
                        }
                    }
                }
                if count >= 10_000 && (i + 1) % (count / 10) == 0 {
                    eprintln!("seeded {} of {count}", i + 1);
                }
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done??;
    }
    eprintln!(
        "seeded {} secrets in {:.1} s",
        args.secrets,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
