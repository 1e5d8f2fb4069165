//! Terminal output helpers: colour only on a terminal and when NO_COLOR is unset.

use std::io::IsTerminal;

/// Whether to colour stdout.
pub fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// ANSI styles, or nothing when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    /// Styles for stdout.
    pub fn stdout() -> Style {
        Style { on: color_stdout() }
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Bold.
    pub fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }

    /// Dimmed.
    pub fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }

    /// A matched word.
    pub fn highlight(&self, text: &str) -> String {
        if self.on {
            self.wrap("1;31", text)
        } else {
            format!("[{text}]")
        }
    }
}

/// Writes JSON to stdout with a trailing newline.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    // A serde_json error wrapping an I/O error (a closed pipe) is passed on as that I/O error.
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
