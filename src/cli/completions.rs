//! `newsidx completions SHELL` and `newsidx man`: the shell completion scripts and the manual page,
//! generated from the same clap definitions as the help.

use std::io::Write;
use std::process::ExitCode;

/// Print a completion script for SHELL on stdout. Install it where your shell looks, e.g.
/// `newsidx completions bash > ~/.local/share/bash-completion/completions/newsidx`,
/// `newsidx completions zsh > ~/.zfunc/_newsidx` (with `fpath+=~/.zfunc` before `compinit`),
/// `newsidx completions fish > ~/.config/fish/completions/newsidx.fish`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn run(args: Args, mut cli: clap::Command) -> anyhow::Result<ExitCode> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cli, "newsidx", &mut out);
    write_stdout(&out)
}

/// Prints the manual page of `newsidx` and its subcommands, in roff.
pub fn man(cli: clap::Command) -> anyhow::Result<ExitCode> {
    let mut cli = cli;
    cli.build();
    let mut out = Vec::new();
    clap_mangen::Man::new(cli.clone()).render(&mut out)?;
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub = sub
            .clone()
            .display_name(format!("newsidx-{}", sub.get_name()));
        // One page after the other; `man -l -` shows them in a row.
        clap_mangen::Man::new(sub).render(&mut out)?;
    }
    write_stdout(&out)
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
