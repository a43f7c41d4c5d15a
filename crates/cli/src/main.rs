//! `tresor`: the one binary.
//!
//! Subcommands parse their flags and config file into the server's typed
//! `Config`, then hand over to the library. Only `main` uses `anyhow`.

mod admin_cmd;
mod agent;
mod atomic_file;
mod audit_cmd;
mod aws_config;
mod backup_cmd;
mod bulk;
mod check_config;
mod client;
mod exec_cmd;
mod fetch;
mod hangup;
mod harden;
mod logging;
mod man_cmd;
mod operator_cmd;
mod render_cmd;
mod sd_notify;
mod seal_args;
mod secret_cmd;
mod secret_ref;
mod server_cmd;
mod service_status;
mod template;

use clap::{Parser, Subcommand};

// glibc's allocator spent about a tenth of the server's CPU on the
// request path (malloc, free, consolidation); mimalloc's thread-local
// heaps do the same work for much less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "tresor",
    version,
    about = "A self-hosted secrets manager that speaks the AWS Secrets Manager API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the Tresor server.
    Server(server_cmd::ServerArgs),
    /// Initialise, unseal and seal a server, and maintain its keys.
    #[command(subcommand)]
    Operator(operator_cmd::OperatorCommand),
    /// First-setup shortcuts: users, roles and their policies (over IAM).
    #[command(subcommand)]
    Admin(admin_cmd::AdminCommand),
    /// Read, export and verify the audit trail.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
    /// Take, verify and restore backups.
    #[command(subcommand)]
    Backup(backup_cmd::BackupCommand),
    /// Run a program with secrets in its environment.
    Exec(exec_cmd::ExecArgs),
    /// Serve a local cache of secrets with the AWS Secrets Manager Agent's HTTP API.
    Agent(agent::AgentArgs),
    /// Write secrets into a file from a template.
    Render(render_cmd::RenderArgs),
    /// Get, put, create, list, describe, delete, restore and tag secrets.
    Secret(secret_cmd::SecretArgs),
    /// Copy secrets into a file (.env or JSON), encrypted with age.
    Export(bulk::export::ExportArgs),
    /// Create secrets from a file (.env, JSON, or an export); resumable.
    Import(bulk::import::ImportArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff), or write every page with --out-dir.
    Man(man_cmd::ManArgs),
}

fn main() {
    // Errors are for operators: one clear line, no backtrace.
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Server(args) => server_cmd::run(args),
        Command::Operator(command) => {
            harden::harden_process();
            operator_cmd::run(command)
        }
        Command::Admin(command) => {
            harden::harden_process();
            admin_cmd::run(command)
        }
        Command::Audit(command) => {
            harden::harden_process();
            audit_cmd::run(command)
        }
        Command::Backup(command) => {
            harden::harden_process();
            backup_cmd::run(command)
        }
        // Not hardened: the program it runs keeps the ordinary limits.
        Command::Exec(args) => exec_cmd::run(args),
        Command::Agent(args) => {
            harden::harden_process();
            agent::run(args)
        }
        Command::Render(args) => {
            harden::harden_process();
            render_cmd::run(args)
        }
        Command::Secret(args) => {
            harden::harden_process();
            secret_cmd::run(args)
        }
        Command::Export(args) => {
            harden::harden_process();
            bulk::export::run(args)
        }
        Command::Import(args) => {
            harden::harden_process();
            bulk::import::run(args)
        }
        Command::Man(args) => {
            use clap::CommandFactory;
            man_cmd::run(args, Cli::command())
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            use std::io::Write;
            // Into a buffer first: the generator panics on a write error
            // (`tresor completions bash | head`).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "tresor", &mut script);
            match std::io::stdout().write_all(&script) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
    }
}
