//! One load: `concurrency` connections in a closed loop for `warmup` +
//! `seconds`, latencies of the measured window in an HDR histogram.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use hdrhistogram::Histogram;
use serde_json::json;

use crate::client::{Connection, Target};
use crate::ops::{Op, Plan};

#[derive(Args, Debug)]
pub struct LoadArgs {
    #[arg(long, value_enum)]
    op: Op,
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// The measured window.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Requests before the window are not counted.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Seeded secrets are <prefix><6 digits>, this many.
    #[arg(long, default_value_t = 1000)]
    secrets: usize,
    #[arg(long, default_value = "bench/s/")]
    prefix: String,
    /// The agent's SSRF token (for --op agent).
    #[arg(long, env = "AWS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    #[command(flatten)]
    target: Target,
}

struct Tally {
    latencies: Histogram<u64>,
    /// Every answer, the warm-up's too (for CPU per request).
    sent: u64,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn new() -> anyhow::Result<Tally> {
        Ok(Tally {
            // 1 µs to 60 s, three significant digits.
            latencies: Histogram::new_with_bounds(1, 60_000_000, 3)?,
            sent: 0,
            requests: 0,
            errors: 0,
            first_error: None,
        })
    }
}

pub async fn run(args: LoadArgs) -> anyhow::Result<()> {
    let (plan, address) = Plan::new(&args.target, &args.prefix, args.secrets, args.token.clone())?;
    let plan = Arc::new(plan);
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.warmup);
    let end = measure_from + Duration::from_secs(args.seconds);
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..args.concurrency {
        let plan = Arc::clone(&plan);
        let op = args.op;
        workers.spawn(async move { drive(plan, op, address, worker, measure_from, end).await });
    }
    let mut total = Tally::new()?;
    while let Some(done) = workers.join_next().await {
        let tally = done??;
        total.latencies.add(&tally.latencies)?;
        total.sent += tally.sent;
        total.requests += tally.requests;
        total.errors += tally.errors;
        total.first_error = total.first_error.or(tally.first_error);
    }
    let ms = |q: f64| total.latencies.value_at_quantile(q) as f64 / 1000.0;
    let result = json!({
        "op": format!("{:?}", args.op).to_lowercase(),
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "requests": total.requests,
        "total_requests": total.sent,
        "errors": total.errors,
        "rps": total.requests as f64 / args.seconds as f64,
        "p50_ms": ms(0.50),
        "p99_ms": ms(0.99),
        "p999_ms": ms(0.999),
        "max_ms": total.latencies.max() as f64 / 1000.0,
        "first_error": total.first_error,
    });
    println!("{result}");
    Ok(())
}

/// One connection's closed loop.
async fn drive(
    plan: Arc<Plan>,
    op: Op,
    address: std::net::SocketAddr,
    worker: usize,
    measure_from: Instant,
    end: Instant,
) -> anyhow::Result<Tally> {
    let mut rng = fastrand::Rng::with_seed(worker as u64 * 7919 + 1);
    let mut tally = Tally::new()?;
    let mut connection = Connection::open(address).await?;
    let mut n = 0u64;
    loop {
        let sent = Instant::now();
        if sent >= end {
            return Ok(tally);
        }
        let request = plan.request(op, &mut rng, worker, n);
        n += 1;
        let outcome = connection.send(request).await;
        let done = Instant::now();
        tally.sent += 1;
        let measured = sent >= measure_from && done <= end;
        let failure = match outcome {
            Ok((status, _)) if (200..300).contains(&status) => None,
            Ok((status, body)) => {
                Some(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)))
            }
            Err(e) => Some(format!("{e:#}")),
        };
        if !measured {
            continue;
        }
        tally.requests += 1;
        tally
            .latencies
            .record((done - sent).as_micros().max(1) as u64)?;
        if let Some(failure) = failure {
            tally.errors += 1;
            tally.first_error.get_or_insert(failure);
        }
    }
}
