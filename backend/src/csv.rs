//! CSV as the API writes and reads it (RFC 4180): cells quoted when they hold `,` `"` or a line
//! break, and a `'` before a leading `=`, `+`, `-`, `@`, tab or CR, so a spreadsheet shows the
//! text instead of running it (CSV injection). [`parse`] reads that back, the guard removed.

/// What a cell may not start with unguarded (a `'` too, so the guard itself reads back).
const GUARDED: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// One cell, quoted and guarded as needed.
pub fn cell(value: &str) -> String {
    let guarded = if value.starts_with(GUARDED) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// One line of cells, CRLF-terminated.
pub fn line(cells: &[String]) -> String {
    let mut out = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

/// The rows of `text` (each a list of cells, the guard removed), with their line numbers (1 = the
/// first line). Empty lines are skipped. An unterminated quote is an error naming its line.
pub fn parse(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let (mut line, mut row_line) = (1_usize, 1_usize);
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    let finish_row = |row: &mut Vec<String>, cell: &mut String, at: usize, rows: &mut Vec<_>| {
        row.push(unguard(std::mem::take(cell)));
        let cells = std::mem::take(row);
        if !(cells.len() == 1 && cells[0].is_empty()) {
            rows.push((at, cells));
        }
    };
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                cell.push(c);
            }
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(unguard(std::mem::take(&mut cell))),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                finish_row(&mut row, &mut cell, row_line, &mut rows);
                line += 1;
                row_line = line;
            }
            (false, c) => cell.push(c),
        }
    }
    if quoted {
        return Err(format!("line {row_line}: a quoted cell is never closed"));
    }
    if !cell.is_empty() || !row.is_empty() {
        finish_row(&mut row, &mut cell, row_line, &mut rows);
    }
    Ok(rows)
}

/// A cell as written, without the guard [`cell`] added.
fn unguard(value: String) -> String {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(GUARDED) => rest.to_owned(),
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("@cmd"), "'@cmd");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn quotes_commas_line_breaks_and_formulas_survive() {
        let cells = vec![
            "plain".to_owned(),
            "a, b".to_owned(),
            "say \"hi\"".to_owned(),
            "two\nlines".to_owned(),
            "=SUM(A1)".to_owned(),
            String::new(),
        ];
        let text = format!("{}{}", line(&cells), line(&["x".to_owned()]));
        assert!(text.contains("'=SUM(A1)"), "guarded: {text}");
        let rows = parse(&text).expect("parses");
        assert_eq!(rows, vec![(1, cells), (3, vec!["x".to_owned()])]);
        assert!(parse("a,\"open\n").is_err());
        assert_eq!(
            parse("\n\na,b\n").expect("parses"),
            vec![(3, vec!["a".into(), "b".into()])]
        );
    }

    proptest! {
        #[test]
        fn what_is_written_is_read_back(rows in prop::collection::vec(
            prop::collection::vec("[a-z,\"' =+@\n\r\t-]{0,8}", 1..5), 1..5)) {
            // A row of one empty cell is an empty line, which is skipped: not a row.
            let rows: Vec<Vec<String>> = rows.into_iter()
                .filter(|r| !(r.len() == 1 && r[0].is_empty()))
                .collect();
            let text: String = rows.iter().map(|r| line(r)).collect();
            let read: Vec<Vec<String>> = parse(&text).expect("parses").into_iter().map(|(_, r)| r).collect();
            prop_assert_eq!(read, rows);
        }
    }
}
