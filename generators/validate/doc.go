// Package validate applies the UDS admission rules (docs/behaviour.md section 2) to decoded
// Packages. Each rule is a small function over one allow entry or one
// Package; the rules return findings and never change their input, so a
// Package that passes here is not rejected at deploy time.
package validate
