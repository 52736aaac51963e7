//! Markdown for courses, instructions and posts: rendered on the server with `pulldown-cmark`
//! and sanitized with `ammonia`, so that what reaches a browser is HTML no user can have put
//! a script, a handler, a frame or a `javascript:` link into.
//!
//! The raw HTML a writer types is not passed through: it is shown as text (escaped), as
//! Gitea and GitLab do for untrusted writers. Links keep `http`, `https` and `mailto` (and
//! relative) URLs only and get `rel="noopener noreferrer nofollow"`; images keep `http(s)`
//! and relative sources. A fenced block keeps its language as `class="language-xxx"` (letters,
//! digits, `+`, `-`, `_`, `#` only) for the browser's highlighter.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, html};

/// The sanitized HTML of `markdown`. The texts read most often are rendered once: see [`Cache`].
pub fn to_html(markdown: &str) -> String {
    shared_html(markdown).to_string()
}

/// [`to_html`], shared with the cache: a rendering kept is not copied (a row's view writes it
/// into its JSON straight from there).
pub fn shared_html(markdown: &str) -> Arc<str> {
    let cache = cache();
    if let Some(html) = cache.get(markdown) {
        return html;
    }
    let html: Arc<str> = render(markdown).into();
    cache.put(markdown, &html);
    html
}

/// What a read costs, measured on the forum list (20 posts of 200 characters): rendering and
/// sanitizing took a third of its CPU time, in html5ever's parser and the allocations around
/// it. The same rows are read far more often than they are written, so the HTML of the texts
/// read lately is kept, keyed by the text itself (exact: no hash stands for a text): an edited
/// row is a new text and renders anew, and a row one reader may not see is never reached
/// through another's key.
///
/// Bounded by [`CACHE_BYTES`] (texts and HTML together), in two generations: when the newer is
/// full, the older is dropped and the newer becomes the older; a text found in the older moves
/// back to the newer. What is read keeps its place, what is not read is gone after two turns.
struct Cache {
    generations: Mutex<Generations>,
}

#[derive(Default)]
struct Generations {
    newer: HashMap<Box<str>, Arc<str>>,
    older: HashMap<Box<str>, Arc<str>>,
    newer_bytes: usize,
}

/// The cache's bound, texts and HTML together (each generation holds half).
pub const CACHE_BYTES: usize = 1 << 20;

/// Longer texts (a whole course) are rendered each time, not kept: a few of them would fill
/// the cache, and their rendering is small next to their transfer.
const CACHE_TEXT_MAX: usize = 16 * 1024;

impl Cache {
    fn get(&self, text: &str) -> Option<Arc<str>> {
        if text.len() > CACHE_TEXT_MAX {
            return None;
        }
        let mut g = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(html) = g.newer.get(text) {
            return Some(html.clone());
        }
        let (key, html) = g.older.remove_entry(text)?;
        g.insert(key, html.clone());
        Some(html)
    }

    fn put(&self, text: &str, html: &Arc<str>) {
        if text.len() > CACHE_TEXT_MAX {
            return;
        }
        let mut g = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        g.insert(text.into(), html.clone());
    }
}

impl Generations {
    fn insert(&mut self, text: Box<str>, html: Arc<str>) {
        let size = text.len() + html.len();
        if self.newer_bytes + size > CACHE_BYTES / 2 {
            self.older = std::mem::take(&mut self.newer);
            self.newer_bytes = 0;
        }
        let text_len = text.len();
        self.newer_bytes += size;
        if let Some(old) = self.newer.insert(text, html) {
            // The key already there is kept: this text and the HTML it replaces are not held.
            self.newer_bytes -= text_len + old.len();
        }
    }
}

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Cache {
        generations: Mutex::new(Generations::default()),
    })
}

fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        // A writer's raw HTML is text, never markup.
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
            let language: String = info
                .split_whitespace()
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '_' | '#'))
                .take(32)
                .collect();
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(language.into())))
        }
        other => other,
    });
    let mut rendered = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut rendered, events);
    sanitizer().clean(&rendered).to_string()
}

/// Adds `<field>_html` (the sanitized HTML of the text in `field`) to a JSON row, for the
/// `*_html` companions of rows (`content_html`, `instruction_html`). A row without that text
/// field is left as it is.
pub fn add_html(row: &mut serde_json::Value, field: &str) {
    let Some(text) = row.get(field).and_then(serde_json::Value::as_str) else {
        return;
    };
    let html = to_html(text);
    if let Some(object) = row.as_object_mut() {
        object.insert(format!("{field}_html"), serde_json::Value::String(html));
    }
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("noopener noreferrer nofollow"))
            .add_tag_attributes("code", ["class"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tags(["input"])
            .attribute_filter(|element, attribute, value| {
                match (element, attribute) {
                    // Only the highlighter's class, on code.
                    ("code", "class") => {
                        let ok = value.strip_prefix("language-").is_some_and(|l| {
                            !l.is_empty()
                                && l.chars().all(|c| {
                                    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '_' | '#')
                                })
                        });
                        ok.then(|| value.into())
                    }
                    // Task-list boxes only, never a text field.
                    ("input", "type") => (value == "checkbox").then(|| value.into()),
                    _ => Some(value.into()),
                }
            });
        builder
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{CACHE_BYTES, render, to_html};

    #[test]
    fn a_kept_rendering_is_the_rendering_and_an_edit_renders_anew() {
        let text = "Some **bold** text, kept: a_kept_rendering_is_the_rendering";
        let first = to_html(text);
        assert_eq!(first, render(text));
        assert_eq!(to_html(text), first);
        let edited = format!("{text} <script>x</script>");
        let html = to_html(&edited);
        assert_eq!(html, render(&edited));
        assert_ne!(html, first);
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn the_cache_stays_within_its_bound() {
        // Far more text than the bound: every rendering is still right, and the generations
        // hold at most the bound.
        let filler = "word ".repeat(200);
        for i in 0..(4 * CACHE_BYTES / filler.len()) {
            let text = format!("{i} {filler}");
            assert_eq!(to_html(&text), render(&text));
        }
        let g = super::cache().generations.lock().unwrap();
        let held: usize = g
            .newer
            .iter()
            .chain(g.older.iter())
            .map(|(t, h)| t.len() + h.len())
            .sum();
        assert!(held <= CACHE_BYTES, "{held} bytes held");
        assert!(g.newer_bytes <= CACHE_BYTES / 2);
    }

    #[test]
    fn a_script_tag_in_the_text_is_shown_as_text() {
        let html = to_html("Hello <script>alert(1)</script> there");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn a_script_block_is_shown_as_text() {
        let html = to_html("<script>\nalert(1)\n</script>\n\nafter");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("after"), "{html}");
    }

    /// The tags of `html` (text is escaped, so every `<` opens one).
    fn tags(html: &str) -> Vec<&str> {
        html.split('<')
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn an_event_handler_attribute_never_survives() {
        for text in [
            r#"<img src=x onerror="window.__xss=1">"#,
            r#"![a](x" onerror="alert(1))"#,
            r#"![a](https://example.org/a.png "t\" onload=\"alert(1)")"#,
            r#"[a](https://example.org/ "x\" onmouseover=\"alert(1)")"#,
        ] {
            let html = to_html(text);
            for tag in tags(&html) {
                // Outside the quoted attribute values (ammonia always quotes them).
                let names: String = tag.split('"').step_by(2).collect();
                let lower = names.to_lowercase();
                assert!(
                    !lower.contains("onerror")
                        && !lower.contains("onload")
                        && !lower.contains("onmouseover"),
                    "{text} → a live handler in <{tag}>: {html}"
                );
            }
        }
    }

    #[test]
    fn a_javascript_link_loses_its_url() {
        for link in [
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "<javascript:alert(1)>",
            "[click](data:text/html,<script>alert(1)</script>)",
            "[click](vbscript:msgbox(1))",
        ] {
            let html = to_html(link);
            let lower = html.to_lowercase();
            assert!(
                !lower.contains("href=\"javascript:")
                    && !lower.contains("href=\"data:")
                    && !lower.contains("href=\"vbscript:"),
                "{link} → {html}"
            );
        }
    }

    #[test]
    fn an_iframe_never_survives() {
        let html = to_html(r#"<iframe src="https://evil.example/"></iframe>"#);
        assert!(!html.contains("<iframe"), "{html}");
    }

    #[test]
    fn links_get_noopener_and_nofollow() {
        let html = to_html("[Préau](https://example.org/)");
        assert!(
            html.contains(r#"<a href="https://example.org/" rel="noopener noreferrer nofollow">"#),
            "{html}"
        );
    }

    #[test]
    fn a_fenced_block_keeps_its_language_class() {
        let html = to_html("```python\nprint('<b>hi</b>')\n```");
        assert!(
            html.contains(r#"<pre><code class="language-python">"#),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;"), "code is text: {html}");
    }

    #[test]
    fn a_fenced_block_language_cannot_smuggle_an_attribute() {
        let html = to_html("```python\" onclick=\"alert(1)\nx\n```");
        assert!(!html.contains("onclick"), "{html}");
        assert!(html.contains(r#"class="language-python"#), "{html}");
    }

    #[test]
    fn plain_markdown_is_rendered() {
        let html = to_html(
            "# Title\n\nSome *emphasis*, `code` and a list:\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>emphasis</em>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn add_html_adds_the_companion_field() {
        let mut row = serde_json::json!({"id": 1, "content": "*hi* <b>x</b>"});
        super::add_html(&mut row, "content");
        assert_eq!(
            row["content_html"],
            "<p><em>hi</em> &lt;b&gt;x&lt;/b&gt;</p>\n"
        );
        let mut other = serde_json::json!({"id": 2});
        super::add_html(&mut other, "content");
        assert!(other.get("content_html").is_none());
    }

    #[test]
    fn a_task_list_box_stays_a_disabled_checkbox() {
        let html = to_html("- [x] done\n- [ ] todo");
        assert!(html.contains(r#"type="checkbox""#), "{html}");
        assert!(html.contains("disabled"), "{html}");
    }
}
