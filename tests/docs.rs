//! Registry documentation, generated from the live provider schema.
//!
//! Descriptions live once, in the provider's schema. This test asks Terraform for that
//! schema (`terraform providers schema -json`, using the provider binary cargo built for
//! this test run), fills the templates under `tests/docs/templates/` (a small subset of
//! tfplugindocs' template language) and compares the result with `docs/`.
//!
//! Regenerate the committed files with: `UPDATE_DOCS=1 cargo test --test docs`

#[path = "docs/support.rs"]
mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use support::{provider_schema, repo_root};

const PROVIDER_NAME: &str = "terraform-provider-cer";
const RESOURCE_PREFIX: &str = "cer_";

/// One generated document: its path under the repo root and its text.
struct Doc {
    path: String,
    text: String,
}

#[test]
fn docs_are_up_to_date() {
    let docs = generate_all();
    let root = repo_root();
    if std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1") {
        for doc in &docs {
            let path = root.join(&doc.path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("create docs dir");
            std::fs::write(&path, &doc.text)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            eprintln!("wrote {}", doc.path);
        }
        return;
    }
    let mut stale = Vec::new();
    for doc in &docs {
        let committed = std::fs::read_to_string(root.join(&doc.path)).unwrap_or_default();
        if committed != doc.text {
            stale.push(format!(
                "{}{}",
                doc.path,
                first_difference(&committed, &doc.text)
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/ are stale: run `UPDATE_DOCS=1 cargo test --test docs`\n{}",
        stale.join("\n")
    );
}

#[test]
fn generated_resource_doc_covers_the_schema() {
    let schemas = resource_schemas();
    assert!(!schemas.is_empty(), "the provider has no resources");
    for (name, schema) in schemas {
        let doc = render_resource(name, schema);
        let block = &schema["block"];
        check_block_documented(&doc, block, name);
        assert!(doc.contains("## Schema"), "{name}: no schema section");
        assert!(doc.contains("## Example Usage"), "{name}: no example");
        assert!(doc.contains("## Import"), "{name}: no import section");
    }
    // The provider's own arguments, sensitive ones marked, in the index page.
    let index = render_index();
    check_block_documented(&index, &provider_schema()["provider"]["block"], "provider");
}

/// Every attribute and block of `block` (recursively) is listed in its own section, and
/// sensitive attributes are flagged `Sensitive`.
fn check_block_documented(doc: &str, block: &Value, context: &str) {
    check_section(doc, block, context, &[]);
}

/// The lines of the section documenting the block at `path` (root: the `## Schema` part up
/// to the first nested section).
fn section<'d>(doc: &'d str, path: &[String], context: &str) -> &'d str {
    let start = if path.is_empty() {
        doc.find("## Schema")
            .unwrap_or_else(|| panic!("{context}: no `## Schema` section"))
    } else {
        let anchor = format!("<a id=\"nestedblock--{}\"></a>", path.join("--"));
        let heading = format!("{anchor}\n### Nested Schema for `{}`", path.join("."));
        doc.find(&heading).unwrap_or_else(|| {
            panic!(
                "{context}: no nested schema section for `{}`",
                path.join(".")
            )
        }) + anchor.len()
    };
    let rest = &doc[start..];
    let end = rest.find("<a id=\"nestedblock--").unwrap_or(rest.len());
    &rest[..end]
}

fn check_section(doc: &str, block: &Value, context: &str, path: &[String]) {
    let text = section(doc, path, context);
    let place = if path.is_empty() {
        context.to_string()
    } else {
        format!("{context} `{}`", path.join("."))
    };
    for (name, attr) in obj(&block["attributes"]) {
        let item = format!("- `{name}` (");
        let line = text
            .lines()
            .find(|l| l.starts_with(&item))
            .unwrap_or_else(|| panic!("{place}: attribute `{name}` is not documented"));
        let flags = line[item.len()..].split(')').next().unwrap_or_default();
        let sensitive = flag(attr, "sensitive");
        assert_eq!(
            flags.split(", ").any(|f| f == "Sensitive"),
            sensitive,
            "{place}: attribute `{name}` sensitive={sensitive} but documented as: {line}"
        );
        let description = one_line(attr["description"].as_str().unwrap_or(""));
        assert!(
            line.ends_with(&description),
            "{place}: attribute `{name}` lost its description: {line}"
        );
    }
    for (name, nested) in obj(&block["block_types"]) {
        let item = format!("- `{name}` (Block");
        assert!(
            text.lines().any(|l| l.starts_with(&item)),
            "{place}: block `{name}` is not documented"
        );
        let mut inner = path.to_vec();
        inner.push(name.to_string());
        check_section(doc, &nested["block"], context, &inner);
    }
}

// ---------------------------------------------------------------------------------------
// Generation

fn generate_all() -> Vec<Doc> {
    let mut docs = vec![Doc {
        path: "docs/index.md".into(),
        text: render_index(),
    }];
    for (name, schema) in resource_schemas() {
        let short = name.strip_prefix(RESOURCE_PREFIX).unwrap_or(name);
        docs.push(Doc {
            path: format!("docs/resources/{short}.md"),
            text: render_resource(name, schema),
        });
    }
    docs
}

fn resource_schemas() -> BTreeMap<&'static str, &'static Value> {
    let schema = provider_schema();
    assert!(
        schema.is_object(),
        "terraform returned no schema for {}",
        support::PROVIDER_SOURCE
    );
    obj(&schema["resource_schemas"])
}

fn render_index() -> String {
    let block = &provider_schema()["provider"]["block"];
    let ctx = Context {
        name: "cer".into(),
        kind: "Provider".into(),
        description: block_description(block),
        schema_markdown: schema_markdown(block),
    };
    render_template("index.md.tmpl", &ctx)
}

fn render_resource(name: &str, schema: &Value) -> String {
    let block = &schema["block"];
    let short = name.strip_prefix(RESOURCE_PREFIX).unwrap_or(name);
    let ctx = Context {
        name: name.into(),
        kind: "Resource".into(),
        description: block_description(block),
        schema_markdown: schema_markdown(block),
    };
    render_template(&format!("resources/{short}.md.tmpl"), &ctx)
}

fn block_description(block: &Value) -> String {
    block["description"]
        .as_str()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Values a template can refer to.
struct Context {
    name: String,
    kind: String,
    description: String,
    schema_markdown: String,
}

/// Fills `{{ ... }}` actions of a template under tests/docs/templates. Supported (as in
/// tfplugindocs): `.Name`, `.Type`, `.Description`, `.ProviderName`, `.SchemaMarkdown`,
/// `tffile "path"`, `codefile "lang" "path"`, and the pipes `trimspace`, `plainmarkdown`,
/// `prefixlines "prefix"`. Anything else fails the test.
fn render_template(template: &str, ctx: &Context) -> String {
    let path = repo_root().join("tests/docs/templates").join(template);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read template {}: {e}", path.display()));
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .unwrap_or_else(|| panic!("{template}: unclosed {{{{"));
        out.push_str(&eval_action(after[..end].trim(), ctx, template));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    normalize(&out)
}

fn eval_action(action: &str, ctx: &Context, template: &str) -> String {
    let mut stages = action.split('|').map(str::trim);
    let head = tokens(stages.next().unwrap_or(""), template);
    let mut value = match head
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [".Name"] => ctx.name.clone(),
        [".Type"] => ctx.kind.clone(),
        [".Description"] => ctx.description.clone(),
        [".ProviderName"] => PROVIDER_NAME.to_string(),
        [".SchemaMarkdown"] => ctx.schema_markdown.clone(),
        ["tffile", file] => code_block("terraform", file),
        ["codefile", lang, file] => code_block(lang, file),
        other => panic!("{template}: unsupported template action {other:?}"),
    };
    for stage in stages {
        let args = tokens(stage, template);
        value = match args
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["trimspace"] => value.trim().to_string(),
            ["plainmarkdown"] => plain_markdown(&value),
            ["prefixlines", prefix] => value
                .lines()
                .map(|l| format!("{prefix}{l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            other => panic!("{template}: unsupported template pipe {other:?}"),
        };
    }
    value
}

/// Splits an action into words and double-quoted strings (quotes removed).
fn tokens(s: &str, template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut word = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => word.extend(chars.next()),
                    Some(c) => word.push(c),
                    None => panic!("{template}: unterminated string in {{{{ {s} }}}}"),
                }
            }
            out.push(word);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
            out.push(word);
        }
    }
    out
}

/// A fenced code block holding a file of the repository.
fn code_block(lang: &str, file: &str) -> String {
    let path = repo_root().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    format!("```{lang}\n{}\n```", text.trim_end())
}

/// Markdown to plain text, enough for front matter: drops backticks and link targets.
fn plain_markdown(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](") else {
            break;
        };
        let Some(end) = rest[open + close..].find(')') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..open + close]);
        rest = &rest[open + close + end + 1..];
    }
    out.push_str(rest);
    out.replace('`', "")
}

/// Trailing spaces removed, runs of blank lines collapsed, exactly one final newline.
fn normalize(s: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    let mut in_fence = false;
    for line in s.lines() {
        let line = line.trim_end();
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        if line.is_empty() && !in_fence {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    format!("{}\n", out.trim_end())
}

// ---------------------------------------------------------------------------------------
// Schema markdown, in the style of tfplugindocs

/// `## Schema` with Required / Optional / Read-Only groups, then one section per nested block.
fn schema_markdown(block: &Value) -> String {
    let mut out = String::from("## Schema\n\n");
    let mut nested = Vec::new();
    write_block_children(&mut out, &mut nested, &[], block, true);
    let mut i = 0;
    while i < nested.len() {
        let (path, nested_block): (Vec<String>, &Value) = nested[i].clone();
        let anchor = format!("nestedblock--{}", path.join("--"));
        let _ = write!(
            out,
            "\n<a id=\"{anchor}\"></a>\n### Nested Schema for `{}`\n\n",
            path.join(".")
        );
        write_block_children(&mut out, &mut nested, &path, nested_block, false);
        i += 1;
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    fn title(self) -> &'static str {
        match self {
            Group::Required => "Required",
            Group::Optional => "Optional",
            Group::ReadOnly => "Read-Only",
        }
    }
}

fn write_block_children<'a>(
    out: &mut String,
    nested: &mut Vec<(Vec<String>, &'a Value)>,
    parents: &[String],
    block: &'a Value,
    root: bool,
) {
    // Names sorted together, `id` last, as tfplugindocs does.
    let attributes = obj(&block["attributes"]);
    let blocks = obj(&block["block_types"]);
    let mut names: Vec<&str> = attributes.keys().chain(blocks.keys()).copied().collect();
    names.sort_by_key(|n| (*n == "id", *n));

    let mut groups: BTreeMap<Group, Vec<String>> = BTreeMap::new();
    for name in names {
        if let Some(attr) = attributes.get(name) {
            let group = if flag(attr, "required") {
                Group::Required
            } else if flag(attr, "optional") {
                Group::Optional
            } else {
                Group::ReadOnly
            };
            let mut kind = vec![type_name(&attr["type"])];
            if flag(attr, "sensitive") {
                kind.push("Sensitive".into());
            }
            if flag(attr, "deprecated") {
                kind.push("Deprecated".into());
            }
            let description = one_line(attr["description"].as_str().unwrap_or(""));
            let line = format!("- `{name}` ({}) {description}", kind.join(", "));
            groups.entry(group).or_default().push(line);
        } else if let Some(nb) = blocks.get(name) {
            let inner = &nb["block"];
            let min = nb["min_items"].as_u64().unwrap_or(0);
            let max = nb["max_items"].as_u64().unwrap_or(0);
            let group = if min > 0 {
                Group::Required
            } else if block_is_read_only(inner) {
                Group::ReadOnly
            } else {
                Group::Optional
            };
            let mode = match nb["nesting_mode"].as_str().unwrap_or("") {
                "single" | "group" => "Block".to_string(),
                "list" => "Block List".to_string(),
                "set" => "Block Set".to_string(),
                "map" => "Block Map".to_string(),
                other => format!("Block {other}"),
            };
            let mut kind = vec![mode];
            if min > 0 {
                kind.push(format!("Min: {min}"));
            }
            if max > 0 {
                kind.push(format!("Max: {max}"));
            }
            let mut path = parents.to_vec();
            path.push(name.to_string());
            let anchor = format!("nestedblock--{}", path.join("--"));
            let description = one_line(inner["description"].as_str().unwrap_or(""));
            let description = if description.is_empty() {
                String::new()
            } else {
                format!("{description} ")
            };
            let line = format!(
                "- `{name}` ({}) {description}(see [below for nested schema](#{anchor}))",
                kind.join(", ")
            );
            groups.entry(group).or_default().push(line);
            nested.push((path, inner));
        }
    }

    for (group, lines) in groups {
        if root {
            let _ = write!(out, "### {}\n\n", group.title());
        } else {
            let _ = write!(out, "{}:\n\n", group.title());
        }
        for line in lines {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push('\n');
    }
}

fn block_is_read_only(block: &Value) -> bool {
    obj(&block["attributes"])
        .values()
        .all(|a| !flag(a, "required") && !flag(a, "optional"))
        && obj(&block["block_types"])
            .values()
            .all(|b| block_is_read_only(&b["block"]))
}

/// Terraform's JSON type to tfplugindocs wording: String, Number, Boolean, List of String...
fn type_name(ty: &Value) -> String {
    match ty {
        Value::String(s) => match s.as_str() {
            "string" => "String".into(),
            "number" => "Number".into(),
            "bool" => "Boolean".into(),
            "dynamic" => "Dynamic".into(),
            other => other.to_string(),
        },
        Value::Array(parts) => match (parts.first().and_then(Value::as_str), parts.get(1)) {
            (Some("list"), Some(elem)) => format!("List of {}", type_name(elem)),
            (Some("set"), Some(elem)) => format!("Set of {}", type_name(elem)),
            (Some("map"), Some(elem)) => format!("Map of {}", type_name(elem)),
            (Some("object"), _) => "Object".into(),
            (Some("tuple"), _) => "Tuple".into(),
            _ => ty.to_string(),
        },
        _ => ty.to_string(),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn flag(v: &Value, name: &str) -> bool {
    v[name].as_bool().unwrap_or(false)
}

fn obj(v: &Value) -> BTreeMap<&str, &Value> {
    v.as_object()
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

/// " (line N: committed `...`, generated `...`)" for the first differing line.
fn first_difference(committed: &str, generated: &str) -> String {
    if committed.is_empty() {
        return " (missing)".into();
    }
    let mut a = committed.lines();
    let mut b = generated.lines();
    let mut n = 1;
    loop {
        match (a.next(), b.next()) {
            (None, None) => return " (whitespace differs)".into(),
            (x, y) if x != y => {
                return format!(
                    " (line {n}: committed {:?}, generated {:?})",
                    x.unwrap_or("<end>"),
                    y.unwrap_or("<end>")
                );
            }
            _ => n += 1,
        }
    }
}
