//! `newsidx serve`: the HTTP API and the web page over an index, until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use newsidx::serve::{ServeOptions, DEFAULT_ADDR, DEFAULT_BODY_LIMIT};
use newsidx::WriterOptions;

use super::output::{verbosity, Verbosity};
use super::IndexDir;

/// Serve the index over HTTP: a JSON API under /api/ and a web page at / for browsing stories,
/// entities and time. Listens on loopback (127.0.0.1:7700) unless --addr says otherwise, and follows
/// the index as it gains commits (from `newsidx index` or from POST /api/articles) without a
/// restart. Stops on Ctrl-C, finishing the requests in flight.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    index: IndexDir,
    /// Address to listen on; port 0 picks a free one. Anything but loopback exposes the index (and
    /// with --allow-writes, writes) to the network.
    #[arg(long, default_value = DEFAULT_ADDR, value_name = "IP:PORT")]
    addr: SocketAddr,
    /// Accept POST /api/articles (a JSON array or JSON Lines body, upserted and committed).
    #[arg(long)]
    allow_writes: bool,
    /// With --allow-writes, require the header `Authorization: Bearer KEY` on writes.
    #[arg(
        long,
        env = "NEWSIDX_API_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    api_key: Option<String>,
    /// Let web pages of this origin call the API (CORS), e.g. https://newsroom.example.
    #[arg(long, value_name = "ORIGIN")]
    cors: Option<String>,
    /// The largest request body accepted, in MiB (a bigger POST gets 413).
    #[arg(long, default_value_t = DEFAULT_BODY_LIMIT / (1024 * 1024), value_name = "MIB")]
    body_limit_mb: usize,
    /// Memory for the writer of POST /api/articles, in MiB.
    #[arg(long, default_value_t = 128, value_name = "MIB",
          value_parser = clap::value_parser!(u64).range(16..=65_536))]
    heap_mb: u64,
    /// A gazetteer of your own (as given to `index`), for entity filters and posted articles.
    #[arg(long, value_name = "FILE")]
    gazetteer: Option<PathBuf>,
    /// An entity tagger model of your own (as given to `index`).
    #[arg(long, value_name = "MODEL")]
    tagger: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.api_key.is_some() && !args.allow_writes {
        anyhow::bail!("--api-key guards writes: give --allow-writes too (reads need no key)");
    }
    let enricher = super::enricher(args.gazetteer.as_deref(), args.tagger.as_deref())?;
    let options = ServeOptions {
        addr: args.addr,
        allow_writes: args.allow_writes,
        api_key: args.api_key.clone(),
        cors: args.cors.clone(),
        body_limit: args.body_limit_mb.max(1) * 1024 * 1024,
        writer: WriterOptions {
            heap_bytes: usize::try_from(args.heap_mb * 1024 * 1024).unwrap_or(usize::MAX),
            ..WriterOptions::default()
        },
        ..ServeOptions::new(args.index.dir.clone())
    };
    let exposed = !args.addr.ip().is_loopback();
    newsidx::serve::serve(&options, enricher, |addr| {
        // The first line of stdout is the address: scripts and tests read it.
        println!(
            "newsidx serve: http://{addr}/ (index {})",
            args.index.dir.display()
        );
        if verbosity() > Verbosity::Quiet {
            if exposed {
                eprintln!(
                    "newsidx: listening on {addr}, beyond loopback: anyone who reaches this \
                     machine can read the index{}",
                    if args.allow_writes {
                        " and write to it"
                    } else {
                        ""
                    }
                );
            }
            eprintln!("newsidx: press Ctrl-C to stop");
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
