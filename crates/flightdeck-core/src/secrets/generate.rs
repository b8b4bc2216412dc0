//! Generated secret values: random characters from the operating system's generator
//! (`/dev/urandom`), drawn without modulo bias from an alphabet that is safe in shells, URLs and
//! config files.

use std::io::Read;

use zeroize::Zeroizing;

/// Letters and digits, and `-_` (URL- and shell-safe).
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The default length of a generated value.
pub const DEFAULT_LENGTH: usize = 32;

/// A random value of `len` characters (at least [`super::MIN_LEN`]).
pub fn generate(len: usize) -> std::io::Result<Zeroizing<String>> {
    let len = len.max(super::MIN_LEN);
    let mut f = std::fs::File::open("/dev/urandom")?;
    let mut out = Zeroizing::new(String::with_capacity(len));
    let mut buf = Zeroizing::new([0u8; 64]);
    while out.len() < len {
        f.read_exact(&mut buf[..])?;
        // 64 symbols: the low 6 bits of each byte pick one without bias.
        for b in buf.iter() {
            if out.len() < len {
                out.push(char::from(ALPHABET[usize::from(b & 63)]));
            }
        }
    }
    Ok(out)
}
