//! Flags the statements of a migration that destroy data or may rewrite it: `DROP` (tables,
//! columns, anything), `TRUNCATE`, `ALTER ... TYPE`, `DELETE` without `WHERE`. In a production
//! environment a migration with any of them runs only after the phrase
//! [`DESTRUCTIVE_PHRASE`] is typed. Comments and quoted text are ignored.

/// The phrase that lets destructive migrations run in production.
pub const DESTRUCTIVE_PHRASE: &str = "EXECUTE DESTRUCTIVE MIGRATIONS";

/// One flagged statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// 1-based line of the statement's start in the file.
    pub line: usize,
    /// What it does (`DROP TABLE`, `DROP COLUMN`, `TRUNCATE`, `ALTER ... TYPE`).
    pub what: String,
}

/// The destructive statements of `sql`.
pub fn scan(sql: &str) -> Vec<Flag> {
    statements(sql)
        .into_iter()
        .filter_map(|(line, text)| classify(&text).map(|what| Flag { line, what }))
        .collect()
}

fn classify(stmt: &str) -> Option<String> {
    let w: Vec<String> =
        stmt.split_whitespace().map(|x| x.trim_matches([',', '(', ')']).to_ascii_uppercase()).collect();
    let at = |i: usize| w.get(i).map_or("", String::as_str);
    match at(0) {
        "DROP" => Some(format!("DROP {}", at(1))),
        "TRUNCATE" => Some("TRUNCATE".into()),
        "DELETE" if !w.iter().any(|x| x == "WHERE") => Some("DELETE without WHERE".into()),
        "ALTER" if at(1) == "TABLE" => alter_table(&w),
        _ => None,
    }
}

/// `ALTER TABLE ... DROP [COLUMN] x` (not `DROP CONSTRAINT`, `DROP DEFAULT`, `DROP NOT NULL`,
/// `DROP IDENTITY`, `DROP EXPRESSION`) and `ALTER [COLUMN] x [SET DATA] TYPE t`.
fn alter_table(w: &[String]) -> Option<String> {
    let keep = ["CONSTRAINT", "DEFAULT", "NOT", "IDENTITY", "EXPRESSION"];
    for (i, x) in w.iter().enumerate().skip(2) {
        let next = w.get(i + 1).map_or("", String::as_str);
        if x == "DROP" && !keep.contains(&next) {
            return Some("DROP COLUMN".into());
        }
        if x == "TYPE" && i > 2 {
            return Some("ALTER ... TYPE".into());
        }
    }
    None
}

/// Splits SQL into statements with their starting line, dropping comments and string contents.
fn statements(sql: &str) -> Vec<(usize, String)> {
    let (mut out, mut cur, mut line, mut start) = (Vec::new(), String::new(), 1, 0);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        match c {
            '-' if chars.peek() == Some(&'-') => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        line += 1;
                        break;
                    }
                }
                cur.push(' ');
            }
            '\'' | '"' => {
                for n in chars.by_ref() {
                    line += usize::from(n == '\n');
                    if n == c {
                        break;
                    }
                }
                cur.push_str(" x ");
            }
            ';' => {
                if !cur.trim().is_empty() {
                    out.push((start, std::mem::take(&mut cur)));
                }
                cur.clear();
                start = 0;
            }
            c => {
                if start == 0 && !c.is_whitespace() {
                    start = line;
                }
                cur.push(c);
            }
        }
    }
    if !cur.trim().is_empty() {
        out.push((start, cur));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_destructive_statements_with_their_lines() {
        let sql = "-- DROP TABLE in a comment\nCREATE TABLE a (id int);\nINSERT INTO a VALUES (1); -- 'x'\n\
                   ALTER TABLE a ADD COLUMN b text;\nALTER TABLE a DROP COLUMN b;\nALTER TABLE a ALTER COLUMN id TYPE bigint;\n\
                   TRUNCATE a;\nDELETE FROM a WHERE id = 1;\nDELETE FROM a;\nINSERT INTO a VALUES ('DROP TABLE a');\n\
                   DROP TABLE a;\nALTER TABLE a ALTER COLUMN id SET DEFAULT 0;";
        let flags = scan(sql);
        let got: Vec<(usize, &str)> = flags.iter().map(|f| (f.line, f.what.as_str())).collect();
        let want = [
            (5, "DROP COLUMN"),
            (6, "ALTER ... TYPE"),
            (7, "TRUNCATE"),
            (9, "DELETE without WHERE"),
            (11, "DROP TABLE"),
        ];
        assert_eq!(got, want);
        assert!(
            scan("ALTER TABLE a ALTER COLUMN b DROP NOT NULL; ALTER TABLE a DROP CONSTRAINT c;").is_empty()
        );
    }
}
