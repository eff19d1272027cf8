// Package plan turns admitted Packages into per-host egress intent: which
// hosts exist in each mode, their ports in first-seen order, who may reach
// each host:port, and the names of the objects that will carry it. It is
// pure: no YAML, no I/O. Conflicts (docs/behaviour.md section 5) are found here, in input order,
// and reject the later Package as a whole.
package plan
