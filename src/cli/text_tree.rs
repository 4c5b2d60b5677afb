//! Trees drawn with box characters, laid out as podman's `image tree` draws them
//! (disiqueira/gotree): the root's text, then each item with `├── ` or `└── `.

#[derive(Debug, Default)]
pub struct TextTree {
    pub text: String,
    pub items: Vec<TextTree>,
}

impl TextTree {
    pub fn new(text: impl Into<String>) -> Self {
        TextTree {
            text: text.into(),
            items: Vec::new(),
        }
    }

    /// Adds a child and returns it, to add grandchildren.
    pub fn add(&mut self, text: impl Into<String>) -> &mut TextTree {
        let index = self.items.len();
        self.items.push(TextTree::new(text));
        &mut self.items[index]
    }

    pub fn print(&self) -> String {
        let mut out = format!("{}\n", self.text);
        print_items(&self.items, &mut Vec::new(), &mut out);
        out
    }
}

fn print_items(items: &[TextTree], spaces: &mut Vec<bool>, out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        let last = i + 1 == items.len();
        let prefix: String = spaces
            .iter()
            .map(|&space| if space { "    " } else { "│   " })
            .collect();
        for (n, line) in item.text.split('\n').enumerate() {
            let indicator = match (n, last) {
                (0, true) => "└── ",
                (0, false) => "├── ",
                (_, true) => "    ",
                (_, false) => "│   ",
            };
            out.push_str(&prefix);
            out.push_str(indicator);
            out.push_str(line);
            out.push('\n');
        }
        if !item.items.is_empty() {
            spaces.push(last);
            print_items(&item.items, spaces, out);
            spaces.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_items_get_bars_and_spaces() {
        let mut root = TextTree::new("root");
        let a = root.add("a");
        a.add("a1");
        a.add("a2");
        root.add("b").add("b1");
        assert_eq!(
            root.print(),
            "root\n├── a\n│   ├── a1\n│   └── a2\n└── b\n    └── b1\n"
        );
    }
}
