//! Finding the byte range of a string value at a key path in JSON text (`["packages", "",
//! "version"]`), so a version can be replaced in place without re-indenting the file.

/// Byte range (without quotes) of the string at `path` in the JSON `text`, if there is one.
pub fn string_at(text: &str, path: &[&str]) -> Option<(usize, usize)> {
    let mut s = Scan { b: text.as_bytes(), text, i: 0 };
    s.value(Some(path)).ok().flatten()
}

struct Scan<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Scan<'_> {
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    /// At an opening quote: the inner range, leaving `i` after the closing quote.
    fn string(&mut self) -> Result<(usize, usize), ()> {
        let start = self.i + 1;
        let mut i = start;
        while let Some(&c) = self.b.get(i) {
            match c {
                b'\\' => i += 2,
                b'"' => {
                    self.i = i + 1;
                    return Ok((start, i));
                }
                _ => i += 1,
            }
        }
        Err(())
    }

    /// Reads one value; with `Some(path)`, returns the string at that path inside it.
    fn value(&mut self, path: Option<&[&str]>) -> Result<Option<(usize, usize)>, ()> {
        self.ws();
        match self.b.get(self.i) {
            Some(b'{') => self.object(path),
            Some(b'[') => {
                self.i += 1;
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b']') => break,
                        Some(b',') => self.i += 1,
                        Some(_) => {
                            self.value(None)?;
                        }
                        None => return Err(()),
                    }
                }
                self.i += 1;
                Ok(None)
            }
            Some(b'"') => {
                let span = self.string()?;
                Ok((path == Some(&[])).then_some(span))
            }
            Some(_) => {
                while self.b.get(self.i).is_some_and(|c| !b",}] \t\r\n".contains(c)) {
                    self.i += 1;
                }
                Ok(None)
            }
            None => Err(()),
        }
    }

    fn object(&mut self, path: Option<&[&str]>) -> Result<Option<(usize, usize)>, ()> {
        self.i += 1;
        let mut found = None;
        loop {
            self.ws();
            match self.b.get(self.i) {
                Some(b'}') => break,
                Some(b',') => self.i += 1,
                Some(b'"') => {
                    let (ks, ke) = self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return Err(());
                    }
                    self.i += 1;
                    let inner = match path {
                        Some([first, rest @ ..]) if found.is_none() && &self.text[ks..ke] == *first => {
                            Some(rest)
                        }
                        _ => None,
                    };
                    if let Some(span) = self.value(inner)? {
                        found = Some(span);
                    }
                }
                _ => return Err(()),
            }
        }
        self.i += 1;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::string_at;

    #[test]
    fn finds_nested_strings_and_skips_the_rest() {
        let t = r#"{"name": "web", "deps": [{"version": "x"}], "version": "1.2.3",
  "packages": {"": {"name": "web", "version": "1.2.3"}, "node_modules/a": {"version": "9.9.9"}}}"#;
        let at = |p: &[&str]| string_at(t, p).map(|(s, e)| &t[s..e]);
        assert_eq!(at(&["version"]), Some("1.2.3"));
        assert_eq!(at(&["packages", "", "version"]), Some("1.2.3"));
        assert_eq!(at(&["packages", "node_modules/a", "version"]), Some("9.9.9"));
        let (s, _) = string_at(t, &["packages", "", "version"]).unwrap();
        assert!(s > t.find("packages").unwrap(), "the nested one, not the top-level one");
        assert_eq!(at(&["missing"]), None);
        assert_eq!(string_at("{\"version\": 3}", &["version"]), None);
    }
}
