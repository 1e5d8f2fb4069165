//! The `newsidx` command: parses flags into library options, runs, prints. Exit codes: 0 when something
//! was found or done, 1 when a search found nothing (or indexing rejected records, or `check` found
//! damage), 2 on error, 101 on an internal error (a bug, or index damage the checks did not catch),
//! 130/143 when `index` was stopped by Ctrl-C/SIGTERM. A closed pipe (`newsidx search ... | head`)
//! ends the program quietly with 0.

mod allocator;
mod cli;

use std::process::ExitCode;

/// mimalloc instead of the system allocator: indexing allocates and frees per token and per
/// article on several threads (DESIGN.md 2.15 has the figures); for `index`, large zeroed blocks
/// zeroed by the kernel (see [`allocator`]).
#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

/// mimalloc keeps freed memory for 10 ms before it returns it, which made the peak resident memory of
/// indexing Reuters 35 % higher than the system allocator's; returning it at once keeps it level with
/// the system allocator's (DESIGN.md 2.15). Only for `index`: a search then faults in fresh pages for
/// what it allocates, which cost a sixth of a query's time on Reuters (DESIGN.md 2.15).
pub(crate) fn return_freed_memory_at_once() {
    // Its number in `enum mi_option_e` of mimalloc 3, which libmimalloc-sys builds (the same in
    // mimalloc 2; libmimalloc-sys names only some options).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: a plain setter of one of mimalloc's global options (an atomic), called before the
    // command starts its threads.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

/// The subcommand of a command line as `/proc/self/cmdline` gives it (arguments ending in NUL):
/// the first argument after the program's name that is neither a flag nor `--color`'s value.
#[cfg(any(target_os = "linux", test))]
fn command_of(cmdline: &[u8]) -> Option<&[u8]> {
    let mut args = cmdline.split(|&b| b == 0).skip(1);
    while let Some(arg) = args.next() {
        if arg == b"--color" {
            args.next();
        } else if !arg.is_empty() && !arg.starts_with(b"-") {
            return Some(arg);
        }
    }
    None
}

/// For `newsidx index`, mimalloc's arenas committed as they are used rather than when they are
/// reserved: indexing Reuters then peaks 1.5-2.3 MiB lower at the same CPU time, while searches
/// measured about 3 % slower (0-7 % over three rounds), so only `index` asks for it (DESIGN.md
/// 2.15). The arena is reserved, and the option read, at the first allocation, before `main`; so
/// this runs as a constructor of the executable and reads its command line from `/proc` without
/// allocating.
#[cfg(target_os = "linux")]
extern "C" fn arenas_on_demand_for_index() {
    // Its number in `enum mi_option_e` of mimalloc 3 (libmimalloc-sys does not name it).
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    let mut buf = [0u8; 4096];
    // SAFETY: open, read and close on a buffer of this frame, nothing allocated.
    let n = unsafe {
        let fd = libc::open(
            c"/proc/self/cmdline".as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        );
        if fd < 0 {
            return;
        }
        let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
        libc::close(fd);
        n
    };
    let Ok(n) = usize::try_from(n) else {
        return;
    };
    if command_of(&buf[..n.min(buf.len())]) == Some(b"index") {
        // SAFETY: a plain setter of one of mimalloc's global options (an atomic).
        unsafe {
            libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        }
        // Large zeroed blocks zeroed by the kernel (see `allocator`).
        allocator::zero_large_by_kernel();
    }
}

#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static ARENAS_ON_DEMAND_FOR_INDEX: extern "C" fn() = arenas_on_demand_for_index;

/// No transparent huge pages for this process. mimalloc asks the kernel for them on its arenas
/// (`madvise(MADV_HUGEPAGE)`), and each first touch of a 2 MiB region then faults in and zeroes a
/// whole 2 MiB page: building the enricher for one article peaked at 59 MB resident against 32 MB
/// with the system allocator, indexing Reuters at 147-155 MB against 127-129 MB without them, and
/// zeroing those pages was 3 % of indexing's and 4.5 % of a server's samples (DESIGN.md 2.15).
/// mimalloc's own switch (`allow_thp`) is read when it starts, before `main`, so the process-wide
/// `prctl` does the work; the option stops later `madvise` calls as well.
fn no_huge_pages() {
    // Its number in `enum mi_option_e` of mimalloc 3 (libmimalloc-sys does not name it).
    const ALLOW_THP: libmimalloc_sys::mi_option_t = 43;
    // SAFETY: a plain setter of one of mimalloc's global options (an atomic), and a prctl that
    // only sets a flag of this process (it fails harmlessly on kernels without it).
    unsafe {
        libmimalloc_sys::mi_option_set(ALLOW_THP, 0);
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    no_huge_pages();
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "newsidx: internal error: {}{place}. If the index may be damaged, `newsidx check` \
             says where; otherwise this is a bug worth reporting.",
            message.lines().next().unwrap_or("")
        );
    }));
    match cli::run() {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("newsidx: {}", one_line(&format!("{err:#}")));
            ExitCode::from(2)
        }
    }
}

/// An error message on one line: some of tantivy's span several (a damaged term dictionary's
/// names the `fst` crate's versions over four), and a script reading stderr line by line, or a
/// log, should get one line per error.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_is_read_from_the_command_line() {
        let of = |line: &str| super::command_of(line.as_bytes()).map(|c| c.to_vec());
        assert_eq!(of("newsidx\0index\0-q\0a.jsonl\0"), Some(b"index".to_vec()));
        assert_eq!(
            of("newsidx\0--color\0never\0index\0"),
            Some(b"index".to_vec())
        );
        assert_eq!(
            of("newsidx\0--color=never\0-q\0search\0index\0"),
            Some(b"search".to_vec())
        );
        assert_eq!(of("newsidx\0-q\0"), None);
        assert_eq!(of(""), None);
    }

    /// A message over several lines is printed as one, its words kept.
    #[test]
    fn error_messages_print_on_one_line() {
        let fst = "An IO error occurred: 'Fst data is corrupted: expected API version 2.\n\
                   It looks like the FST you're trying to open is either not an FST file or it\n\n  \
                   was generated with a different version.'";
        let line = super::one_line(fst);
        assert_eq!(line.lines().count(), 1);
        assert!(line.contains("version 2. It looks like") && line.ends_with("different version.'"));
        assert_eq!(super::one_line("no index at /tmp/x"), "no index at /tmp/x");
    }
}
