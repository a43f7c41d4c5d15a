//! `tresor-bench`: the load generator behind `bench/run`.
//!
//! * `seed` creates the secrets the loads read (~200-byte JSON values, every
//!   tenth with three versions);
//! * `load` drives one operation mix at one concurrency: closed loop (each
//!   connection sends its next request when the answer arrived), HTTP/1.1
//!   keep-alive, every request signed afresh with SigV4 and aimed at a
//!   random seeded secret, a warm-up, then a fixed measured window recorded
//!   in an HDR histogram; prints one JSON result line;
//! * `ceiling` is the reference server: bare hyper answering every request
//!   with a fixed 250-byte body — what this machine can do at all.

mod ceiling;
mod client;
mod load;
mod ops;
mod seed;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "tresor-bench", about = "Tresor's load generator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the secrets the loads read.
    Seed(seed::SeedArgs),
    /// Run one load and print its result as a JSON line.
    Load(load::LoadArgs),
    /// Answer every request with a fixed 250-byte body.
    Ceiling {
        #[arg(long)]
        listen: std::net::SocketAddr,
    },
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match Cli::parse().command {
        Command::Seed(args) => runtime.block_on(seed::run(args)),
        Command::Load(args) => runtime.block_on(load::run(args)),
        Command::Ceiling { listen } => runtime.block_on(ceiling::serve(listen)),
    }
}
