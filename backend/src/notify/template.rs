//! The message templates' language, kept small so an admin's template can never run anything:
//! `{{name}}` puts a variable's text in, `{{#if name}}…{{else}}…{{/if}}` shows a part only when
//! the variable is set (not empty). No expressions, loops, includes or escapes; a template is
//! checked against the variables of its event when saved, so it cannot fail when sent.

use std::collections::BTreeMap;

/// Deepest `{{#if}}` nesting.
const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Text(String),
    Var(String),
    If {
        name: String,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

/// What is wrong with a template, in words, with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TemplateError {
    pub line: usize,
    pub message: String,
}

fn error(line: usize, message: impl Into<String>) -> TemplateError {
    TemplateError {
        line,
        message: message.into(),
    }
}

enum Tag<'a> {
    Var(&'a str),
    If(&'a str),
    Else,
    End,
}

fn tag<'a>(inner: &'a str, line: usize, known: &[&str]) -> Result<Tag<'a>, TemplateError> {
    let inner = inner.trim();
    let check = |name: &str| -> Result<(), TemplateError> {
        if known.contains(&name) {
            return Ok(());
        }
        let near = known
            .iter()
            .map(|k| (strsim::levenshtein(k, name), *k))
            .min()
            .filter(|(d, _)| *d <= 2)
            .map(|(_, k)| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
        Err(error(line, format!("unknown variable `{name}`{near}")))
    };
    if let Some(rest) = inner.strip_prefix("#if") {
        let name = rest.trim();
        if name.is_empty() || rest.starts_with(|c: char| !c.is_whitespace()) {
            return Err(error(line, "`{{#if}}` needs a variable: `{{#if friend}}`"));
        }
        check(name)?;
        return Ok(Tag::If(name));
    }
    match inner {
        "else" => Ok(Tag::Else),
        "/if" => Ok(Tag::End),
        "" => Err(error(line, "`{{}}` names no variable")),
        name if name.starts_with(['#', '/']) => Err(error(
            line,
            format!("`{{{{{name}}}}}` is not part of the language (only `#if`, `else`, `/if`)"),
        )),
        name => {
            check(name)?;
            Ok(Tag::Var(name))
        }
    }
}

struct Open {
    name: String,
    line: usize,
    /// The nodes before the `{{#if}}`.
    before: Vec<Node>,
    /// The `then` part, once its `{{else}}` is reached.
    then: Option<Vec<Node>>,
}

/// Parses `source`, allowing only the variables in `known`.
pub fn parse(source: &str, known: &[&str]) -> Result<Vec<Node>, TemplateError> {
    let mut stack: Vec<Open> = Vec::new();
    let mut current: Vec<Node> = Vec::new();
    let mut rest = source;
    let mut line = 1;
    while let Some(at) = rest.find("{{") {
        let (text, after) = rest.split_at(at);
        push_text(&mut current, text);
        line += text.matches('\n').count();
        let after = &after[2..];
        let Some(end) = after.find("}}").filter(|end| !after[..*end].contains('\n')) else {
            return Err(error(line, "`{{` is never closed with `}}` on its line"));
        };
        match tag(&after[..end], line, known)? {
            Tag::Var(name) => current.push(Node::Var(name.to_owned())),
            Tag::If(name) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(error(
                        line,
                        format!("more than {MAX_DEPTH} `{{{{#if}}}}` inside each other"),
                    ));
                }
                stack.push(Open {
                    name: name.to_owned(),
                    line,
                    before: std::mem::take(&mut current),
                    then: None,
                });
            }
            Tag::Else => match stack.last_mut() {
                None => return Err(error(line, "`{{else}}` outside an `{{#if …}}`")),
                Some(open) if open.then.is_some() => {
                    return Err(error(line, "a second `{{else}}` in one `{{#if …}}`"));
                }
                Some(open) => open.then = Some(std::mem::take(&mut current)),
            },
            Tag::End => {
                let Some(open) = stack.pop() else {
                    return Err(error(line, "`{{/if}}` without its `{{#if …}}`"));
                };
                let inner = std::mem::replace(&mut current, open.before);
                let (then, otherwise) = match open.then {
                    Some(then) => (then, inner),
                    None => (inner, Vec::new()),
                };
                current.push(Node::If {
                    name: open.name,
                    then,
                    otherwise,
                });
            }
        }
        rest = &after[end + 2..];
    }
    push_text(&mut current, rest);
    if let Some(open) = stack.last() {
        return Err(error(
            open.line,
            format!(
                "`{{{{#if {}}}}}` is never closed with `{{{{/if}}}}`",
                open.name
            ),
        ));
    }
    Ok(current)
}

fn push_text(nodes: &mut Vec<Node>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Node::Text(t)) = nodes.last_mut() {
        t.push_str(text);
    } else {
        nodes.push(Node::Text(text.to_owned()));
    }
}

/// Fills the template in; a variable that is absent or empty writes nothing.
pub fn render(nodes: &[Node], vars: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    render_into(nodes, vars, &mut out);
    out
}

fn render_into(nodes: &[Node], vars: &BTreeMap<&str, String>, out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Var(name) => out.push_str(vars.get(name.as_str()).map_or("", String::as_str)),
            Node::If {
                name,
                then,
                otherwise,
            } => {
                let set = vars.get(name.as_str()).is_some_and(|v| !v.is_empty());
                render_into(if set { then } else { otherwise }, vars, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const KNOWN: &[&str] = &["friend", "ends_at", "libraries"];

    fn fill(source: &str, vars: &[(&'static str, &str)]) -> Result<String, TemplateError> {
        let nodes = parse(source, KNOWN)?;
        let vars = vars.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        Ok(render(&nodes, &vars))
    }

    #[test]
    fn variables_and_conditions_fill_in() {
        let vars = [("friend", "Alice"), ("libraries", "Movies")];
        assert_eq!(
            fill("Hi {{ friend }}: {{libraries}}.", &vars).expect("ok"),
            "Hi Alice: Movies."
        );
        let t = "{{#if ends_at}}ends {{ends_at}}{{else}}no end{{/if}}!";
        assert_eq!(fill(t, &vars).expect("ok"), "no end!");
        assert_eq!(
            fill(t, &[("ends_at", "Friday")]).expect("ok"),
            "ends Friday!"
        );
        let nested = "{{#if friend}}[{{#if libraries}}{{libraries}}{{/if}}]{{/if}}";
        assert_eq!(fill(nested, &vars).expect("ok"), "[Movies]");
        assert_eq!(fill(nested, &[("friend", "A")]).expect("ok"), "[]");
        assert_eq!(fill("a { b } c}}", &[]).expect("ok"), "a { b } c}}");
    }

    #[test]
    fn mistakes_are_told_with_their_line() {
        let err = |s: &str| fill(s, &[]).expect_err("refused").to_string();
        assert_eq!(
            err("x\n{{#if friend}}open"),
            "line 2: `{{#if friend}}` is never closed with `{{/if}}`"
        );
        assert_eq!(
            err("{{frend}}"),
            "line 1: unknown variable `frend` (did you mean `friend`?)"
        );
        assert_eq!(
            err("{{ nothing_like }}"),
            "line 1: unknown variable `nothing_like`"
        );
        assert_eq!(
            err("a\nb\n{{/if}}"),
            "line 3: `{{/if}}` without its `{{#if …}}`"
        );
        assert_eq!(err("{{else}}"), "line 1: `{{else}}` outside an `{{#if …}}`");
        assert_eq!(
            err("{{friend"),
            "line 1: `{{` is never closed with `}}` on its line"
        );
        assert_eq!(
            err("{{#each friend}}"),
            "line 1: `{{#each friend}}` is not part of the language (only `#if`, `else`, `/if`)"
        );
        assert!(err("{{#if friend}}a{{else}}b{{else}}c{{/if}}").contains("second `{{else}}`"));
        assert!(err(&"{{#if friend}}".repeat(9)).contains("more than 8"));
    }

    proptest! {
        /// Whatever an admin types, parsing and rendering never panic, and text without `{{`
        /// comes out as it went in.
        #[test]
        fn any_input_is_safe(source in "\\PC{0,200}", plain in "[^{]{0,100}") {
            if let Ok(nodes) = parse(&source, KNOWN) {
                let _ = render(&nodes, &BTreeMap::new());
            }
            prop_assert_eq!(fill(&plain, &[]).expect("plain text parses"), plain);
        }

        /// A variable's value is put in as text, never read as a template itself.
        #[test]
        fn values_are_never_templates(value in "\\PC{0,50}") {
            prop_assert_eq!(fill("<{{friend}}>", &[("friend", &value)]).expect("ok"), format!("<{value}>"));
        }
    }
}
