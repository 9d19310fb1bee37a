//! Secrets typed by the user: from a hidden prompt on the controlling terminal, from stdin,
//! or (second factors) from the environment. Never argv, except `--totp`, which warns.

use std::io::{BufRead, IsTerminal as _, Read as _};

use omniauth::{Error, Password, Result, TotpCode};

/// The longest line `--password-stdin` and `--totp-stdin` read (a password is a line, and
/// `< /dev/zero` must not fill the memory).
pub const MAX_LINE: usize = 4096;

/// `OMNIAUTH_TERMINAL_PROMPT=0` turns every prompt off (scripts, CI), as
/// `GIT_TERMINAL_PROMPT=0` does for git.
const PROMPT_VARIABLE: &str = "OMNIAUTH_TERMINAL_PROMPT";

/// The second factor from the environment.
const TOTP_VARIABLE: &str = "OMNIAUTH_TOTP";

/// Whether a prompt can be shown: on the controlling terminal, which exists even when
/// stdin is a pipe (as `ssh` and `sudo` ask).
fn can_prompt() -> bool {
    if std::env::var_os(PROMPT_VARIABLE).is_some_and(|v| v == "0") {
        return false;
    }
    if cfg!(unix) {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok()
    } else {
        std::io::stdin().is_terminal()
    }
}

/// Reads the password: the first line of stdin with `--password-stdin`, else a hidden prompt
/// on the terminal.
///
/// # Errors
/// [`omniauth::ErrorKind::InvalidInput`] when there is no way to ask, the line is too long,
/// or nothing was typed.
pub fn password(from_stdin: bool) -> Result<Password> {
    let text = if from_stdin {
        read_line(&mut std::io::stdin().lock(), "the password")?
    } else if can_prompt() {
        rpassword::prompt_password("Password: ")
            .map_err(|err| Error::invalid_input(format!("cannot read the password: {err}")))?
    } else {
        return Err(Error::invalid_input(
            "no terminal to ask for the password: pass it on stdin with --password-stdin",
        ));
    };
    if text.is_empty() {
        return Err(Error::invalid_input("the password is empty"));
    }
    Ok(Password::new(text))
}

/// Where a second factor given up front comes from.
#[derive(Debug, Clone, Copy)]
pub struct SecondFactorSource<'a> {
    /// `--totp` (on argv: visible to other users).
    pub argv: Option<&'a str>,
    /// `--totp-stdin`: the next line of stdin.
    pub stdin: bool,
}

/// The second factor given up front: `--totp-stdin`, else `OMNIAUTH_TOTP`, else `--totp`
/// (with a warning that others can read it there). `None` when none was given.
///
/// # Errors
/// `InvalidInput` when `--totp-stdin` finds no code.
pub fn second_factor(source: SecondFactorSource<'_>) -> Result<Option<TotpCode>> {
    if source.stdin {
        let line = read_line(&mut std::io::stdin().lock(), "the code")?;
        let code = line.trim();
        if code.is_empty() {
            return Err(Error::invalid_input(
                "--totp-stdin: no code on stdin (give it on the line after the password)",
            ));
        }
        return Ok(Some(TotpCode::new(code)));
    }
    if let Some(code) = std::env::var(TOTP_VARIABLE)
        .ok()
        .filter(|c| !c.trim().is_empty())
    {
        return Ok(Some(TotpCode::new(code.trim())));
    }
    if let Some(code) = source.argv {
        eprintln!(
            "warning: --totp puts the code on the command line, where other users can read it \
             (ps, /proc, shell history); use --totp-stdin, {TOTP_VARIABLE} or the prompt"
        );
        return Ok(Some(TotpCode::new(code)));
    }
    Ok(None)
}

/// Asks for a TOTP code on the terminal, when there is one.
pub fn totp_prompt() -> Option<TotpCode> {
    if !can_prompt() {
        return None;
    }
    let code = rpassword::prompt_password("Two-factor code: ").ok()?;
    let code = code.trim();
    (!code.is_empty()).then(|| TotpCode::new(code))
}

/// The next line of `reader`, without its line ending, at most [`MAX_LINE`] bytes.
fn read_line(reader: &mut impl BufRead, what: &str) -> Result<String> {
    let mut line = Vec::new();
    let limit = u64::try_from(MAX_LINE + 1).unwrap_or(u64::MAX);
    reader
        .by_ref()
        .take(limit)
        .read_until(b'\n', &mut line)
        .map_err(|err| Error::invalid_input(format!("cannot read stdin: {err}")))?;
    if line.len() > MAX_LINE && !line.ends_with(b"\n") {
        return Err(Error::invalid_input(format!(
            "{what} on stdin is longer than {MAX_LINE} bytes (one line is read)"
        )));
    }
    let text = String::from_utf8(line)
        .map_err(|_| Error::invalid_input(format!("{what} on stdin is not UTF-8")))?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_line_is_the_password() {
        let mut input = std::io::Cursor::new(b"p@ss word\r\nsecond line\n".to_vec());
        assert_eq!(read_line(&mut input, "x").unwrap(), "p@ss word");
        assert_eq!(read_line(&mut input, "x").unwrap(), "second line");
        let mut empty = std::io::Cursor::new(Vec::new());
        assert_eq!(read_line(&mut empty, "x").unwrap(), "");
    }

    #[test]
    fn a_line_is_bounded() {
        let mut long = std::io::Cursor::new(vec![b'x'; MAX_LINE + 10]);
        let err = read_line(&mut long, "the password").unwrap_err();
        assert!(err.to_string().contains("4096 bytes"), "{err}");
        let mut exact = std::io::Cursor::new([vec![b'x'; MAX_LINE], b"\n".to_vec()].concat());
        assert_eq!(read_line(&mut exact, "x").unwrap().len(), MAX_LINE);
    }
}
