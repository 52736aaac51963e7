//! CSV both ways. Reading a class file: RFC 4180 fields (quotes, doubled quotes, line breaks
//! inside quotes), `,` or `;` (whichever the header row uses more), a UTF-8 BOM tolerated.
//! Writing a gradebook: UTF-8 with a BOM (spreadsheets then read accents right), CRLF, a field
//! quoted when it holds the separator, a quote or a line break, and a text cell that a
//! spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR) prefixed with `'`.

/// One record of a file: the line it starts on (1 = the header) and its fields.
#[derive(Debug, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// The separator the header row (up to its first line break) uses most: `;` or `,`.
pub fn sniff(text: &str) -> char {
    let header = text.lines().next().unwrap_or("");
    if header.matches(';').count() > header.matches(',').count() {
        ';'
    } else {
        ','
    }
}

/// The records of `text`, blank lines skipped. An unclosed quote is an error naming its line.
pub fn parse(text: &str, sep: char) -> Result<Vec<Record>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    let mut touched = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                touched = true;
            }
            c if c == sep => {
                fields.push(std::mem::take(&mut field));
                touched = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                fields.push(std::mem::take(&mut field));
                if touched || fields.iter().any(|f| !f.trim().is_empty()) {
                    records.push(Record {
                        line: start,
                        fields: std::mem::take(&mut fields),
                    });
                }
                fields.clear();
                touched = false;
                line += 1;
                start = line;
            }
            c => {
                field.push(c);
                touched = true;
            }
        }
    }
    if quoted {
        return Err(format!(
            "a quoted field opened on line {start} is never closed"
        ));
    }
    fields.push(field);
    if touched || fields.iter().any(|f| !f.trim().is_empty()) {
        records.push(Record {
            line: start,
            fields,
        });
    }
    Ok(records)
}

/// A header cell as a column name: lower case, accents and spaces, `-`, `_` removed.
pub fn column_key(cell: &str) -> String {
    cell.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => Some('e'),
            'à' | 'â' | 'ä' => Some('a'),
            'î' | 'ï' => Some('i'),
            'ô' | 'ö' => Some('o'),
            'ù' | 'û' | 'ü' => Some('u'),
            'ç' => Some('c'),
            ' ' | '-' | '_' | '.' => None,
            c => Some(c),
        })
        .collect()
}

/// The column a header cell names, English or French.
pub fn column_of(cell: &str) -> Option<&'static str> {
    match column_key(cell).as_str() {
        "username" | "identifiant" | "login" | "utilisateur" | "nomdutilisateur" => {
            Some("username")
        }
        "email" | "mail" | "courriel" | "adressemail" | "adressecourriel" => Some("email"),
        "firstname" | "givenname" | "prenom" => Some("firstname"),
        "lastname" | "surname" | "familyname" | "nom" | "nomdefamille" => Some("lastname"),
        _ => None,
    }
}

/// One cell as written: formula-safe, then quoted when it must be.
pub fn cell(value: &str, sep: char) -> String {
    let safe = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    };
    if safe.contains(sep) || safe.contains('"') || safe.contains('\n') || safe.contains('\r') {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

/// A whole file: the BOM, then each row's cells joined by `sep`, each row ended by CRLF.
pub fn write(rows: &[Vec<String>], sep: char) -> String {
    let mut out = String::from("\u{feff}");
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c, sep)).collect();
        out.push_str(&cells.join(&sep.to_string()));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quotes_line_breaks_and_bom() {
        let text = "\u{feff}username;nom\r\n\"a;b\";\"say \"\"hi\"\"\nthere\"\r\n\r\nc;d";
        let sep = sniff(text.trim_start_matches('\u{feff}'));
        assert_eq!(sep, ';');
        let r = parse(text, sep).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].fields, vec!["a;b", "say \"hi\"\nthere"]);
        assert_eq!(r[1].line, 2);
        assert_eq!(r[2].line, 5);
        assert!(parse("a,\"b", ',').is_err());
    }

    #[test]
    fn cells_are_formula_safe_and_quoted() {
        assert_eq!(cell("=1+1", ','), "'=1+1");
        assert_eq!(cell("-x", ','), "'-x");
        assert_eq!(cell("a,b", ','), "\"a,b\"");
        assert_eq!(cell("a,b", ';'), "a,b");
        assert_eq!(cell("@a\"b", ','), "\"'@a\"\"b\"");
        assert_eq!(column_of(" Prénom "), Some("firstname"));
        assert_eq!(column_of("Courriel"), Some("email"));
    }
}
