//! Secrets typed by the user: from a hidden prompt on a terminal, or from stdin. Never argv.

use std::io::{BufRead, IsTerminal};

use omniauth::{Error, Password, Result, TotpCode};

/// Reads the password: the first line of stdin with `--password-stdin`, else a hidden prompt
/// when stdin is a terminal.
///
/// # Errors
/// [`omniauth::ErrorKind::InvalidInput`] when there is no way to ask, or nothing was typed.
pub fn password(from_stdin: bool) -> Result<Password> {
    let text = if from_stdin {
        read_line(&mut std::io::stdin().lock())?
    } else if std::io::stdin().is_terminal() {
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

/// Asks for a TOTP code on the terminal, when there is one.
pub fn totp_prompt() -> Option<TotpCode> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    let code = rpassword::prompt_password("Two-factor code: ").ok()?;
    let code = code.trim();
    (!code.is_empty()).then(|| TotpCode::new(code))
}

/// The first line of `reader`, without its line ending.
fn read_line(reader: &mut impl BufRead) -> Result<String> {
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|err| Error::invalid_input(format!("cannot read stdin: {err}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_line_is_the_password() {
        let mut input = std::io::Cursor::new(b"p@ss word\r\nsecond line\n".to_vec());
        assert_eq!(read_line(&mut input).unwrap(), "p@ss word");
        let mut empty = std::io::Cursor::new(Vec::new());
        assert_eq!(read_line(&mut empty).unwrap(), "");
    }
}
