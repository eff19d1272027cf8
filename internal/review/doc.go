// Package review answers the question a reviewer of a Package change has:
// who may reach which external host:port, and what a change adds, removes
// or widens. It reads the plan the function computes (the same plan the
// objects are rendered from), never the rendered YAML, so a report cannot
// disagree with the objects.
//
// A grant is one (identity, destination) pair. Reports and diffs are
// written as Markdown for a pull-request comment, as versioned JSON
// (schemas/review.schema.json) for machines, and as a Mermaid graph.
package review
