//! The `newsidx` command: parses flags into library options, runs, prints. Exit codes: 0 when something
//! was found or done, 1 when a search found nothing (or indexing rejected records), 2 on error. A closed
//! pipe (`newsidx search ... | head`) ends the program quietly with 0.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("newsidx: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
