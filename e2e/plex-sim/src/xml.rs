//! A tiny XML element builder with proper attribute escaping.

use std::fmt::Write as _;

/// One XML element.
#[derive(Debug, Clone)]
pub struct El {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<El>,
}

impl El {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Adds an attribute.
    #[must_use]
    pub fn a(mut self, key: &str, value: impl ToString) -> Self {
        self.attrs.push((key.to_owned(), value.to_string()));
        self
    }

    /// Adds a boolean attribute as `1`/`0`.
    #[must_use]
    pub fn b(self, key: &str, value: bool) -> Self {
        self.a(key, if value { "1" } else { "0" })
    }

    /// Adds an attribute only when the value is non-empty.
    #[must_use]
    pub fn opt(self, key: &str, value: &str) -> Self {
        if value.is_empty() {
            self
        } else {
            self.a(key, value)
        }
    }

    #[must_use]
    pub fn child(mut self, c: El) -> Self {
        self.children.push(c);
        self
    }

    #[must_use]
    pub fn children(mut self, cs: impl IntoIterator<Item = El>) -> Self {
        self.children.extend(cs);
        self
    }

    fn render(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        let _ = write!(out, "{pad}<{}", self.name);
        for (k, v) in &self.attrs {
            let _ = write!(out, " {k}=\"{}\"", escape(v));
        }
        if self.children.is_empty() {
            out.push_str("/>\n");
        } else {
            out.push_str(">\n");
            for c in &self.children {
                c.render(out, depth + 1);
            }
            let _ = writeln!(out, "{pad}</{}>", self.name);
        }
    }

    /// The element as a document with the XML prolog.
    pub fn document(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        self.render(&mut out, 0);
        out
    }
}

/// Escapes text for use inside a double-quoted attribute or element content.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_attributes() {
        let doc = El::new("A").a("t", "a&b<\"c\">'").b("x", true).document();
        assert!(doc.contains(r#"t="a&amp;b&lt;&quot;c&quot;&gt;'""#));
        assert!(doc.contains(r#"x="1""#));
        assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    }
}
