//! Prints the mentions found in a text file: `cargo run --example extract_file -- FILE`.
use newsidx::entities::ExtractorBuilder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: extract_file FILE")?;
    let text = std::fs::read_to_string(&path)?;
    let extractor = ExtractorBuilder::new().build()?;
    for m in extractor.extract(&text) {
        println!(
            "{:>6} {:<7} {:<30} {:?}",
            m.start,
            m.kind.as_str(),
            m.name,
            m.text
        );
    }
    println!("--- article entities:");
    for (kind, name) in extractor.extract_article(None, &text) {
        println!("{kind}\t{name}");
    }
    Ok(())
}
