//! `tresor man`: the manual pages, made from the command-line definition
//! itself, so they never disagree with `--help`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write tresor.1 and one page for each subcommand (tresor-server.1,
    /// tresor-operator-init.1, …) into this directory, instead of printing
    /// tresor.1.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// `command` is the whole `tresor` command line definition.
pub fn run(args: ManArgs, command: clap::Command) -> anyhow::Result<()> {
    // `tresor help` is clap's, and has no page of its own.
    let mut command = command.disable_help_subcommand(true);
    // Gives every subcommand its display name (tresor-operator-init).
    command.build();
    match args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            write_pages(command, &dir)
                .with_context(|| format!("cannot write the manual pages into {}", dir.display()))
        }
        None => {
            let mut page = Vec::new();
            page_of(command).render(&mut page)?;
            match std::io::stdout().write_all(&page) {
                // `tresor man | head` is not an error.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
    }
}

/// One page for `command` and for each of its visible subcommands, down the
/// whole tree.
fn write_pages(command: clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub.clone(), dir)?;
    }
    page_of(command).generate_to(dir)?;
    Ok(())
}

/// Every page names the release it documents (subcommands have no version
/// of their own).
fn page_of(command: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(command).source(format!("tresor {}", env!("CARGO_PKG_VERSION")))
}
