//! The `age` provider: a dotenv or JSON file encrypted with age (X25519 recipients), decrypted in
//! memory with the `age` crate and the identity file named in `flightdeck.toml`.

use std::io::Read;
use std::path::PathBuf;
use std::str::FromStr;

use zeroize::Zeroizing;

use super::dotenv::{parse_any, pick};
use super::{BoxFuture, Location, Problem, Provider, Secret};

/// Reads an age-encrypted file.
#[derive(Debug)]
pub struct AgeProvider {
    /// The encrypted file (binary or ASCII-armored).
    pub file: PathBuf,
    /// The identity file (`age-keygen` output).
    pub identity: PathBuf,
}

impl Provider for AgeProvider {
    fn kind(&self) -> &'static str {
        "age"
    }

    fn read<'a>(&'a self, loc: &'a Location) -> BoxFuture<'a, Result<Secret, Problem>> {
        Box::pin(async move {
            let file = self.file.display().to_string();
            let text = self.decrypt()?;
            let values = parse_any(&text, &file)?;
            pick(&values, loc, &file)
        })
    }
}

impl AgeProvider {
    fn decrypt(&self) -> Result<Zeroizing<String>, Problem> {
        let file = self.file.display().to_string();
        let fail = |detail: String| Problem::Decrypt { file: file.clone(), detail };
        let keys = Zeroizing::new(
            std::fs::read_to_string(&self.identity)
                .map_err(|e| fail(format!("cannot read identity {}: {e}", self.identity.display())))?,
        );
        let identities: Vec<age::x25519::Identity> = keys
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("AGE-SECRET-KEY-"))
            .filter_map(|l| age::x25519::Identity::from_str(l).ok())
            .collect();
        if identities.is_empty() {
            return Err(fail(format!("{} holds no AGE-SECRET-KEY line", self.identity.display())));
        }
        let data = std::fs::read(&self.file).map_err(|e| fail(e.to_string()))?;
        let reader = age::armor::ArmoredReader::new(&data[..]);
        let decryptor = age::Decryptor::new(reader).map_err(|e| fail(e.to_string()))?;
        let mut plain = Zeroizing::new(Vec::new());
        let mut stream = decryptor
            .decrypt(identities.iter().map(|i| i as &dyn age::Identity))
            .map_err(|e| fail(e.to_string()))?;
        stream.read_to_end(&mut plain).map_err(|e| fail(e.to_string()))?;
        let text = std::str::from_utf8(&plain).map_err(|_| fail("the plaintext is not UTF-8".into()))?;
        Ok(Zeroizing::new(text.to_string()))
    }
}
