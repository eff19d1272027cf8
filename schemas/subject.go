package schemas

import "github.com/uds-egress-fn/uds-egress-fn/internal/diag"

// Subject is a decoded Package with the reference of the input object it
// came from, which every finding about it carries. It is what the stages
// pass on: validate checks Subjects, and the ones it admits are planned.
type Subject struct {
	Package *Package
	Ref     *diag.Ref
	// Unread are the field paths the decoder reported errors at (a wrong
	// type, a value outside its enum, a missing field). Such a Package is
	// rejected, but validation still runs over what was read, so one run
	// reports every problem that these fields do not hide.
	Unread []string
	// id is the identity of a Package let go after planning (Release).
	id PackageID
}

// ID returns the Package's identity.
func (s Subject) ID() PackageID {
	if s.Package == nil {
		return s.id
	}
	return PackageID{Name: s.Package.Metadata.Name, Namespace: s.Package.Metadata.Namespace}
}

// Release lets the decoded Package go once it is planned, keeping its
// identity (ID) and Ref: a fleet's decoded Packages are about as large as
// its input, and nothing after planning reads them.
func (s *Subject) Release() {
	s.id = s.ID()
	s.Package = nil
}

// PackageID identifies a Package.
type PackageID struct {
	Name      string
	Namespace string
}

func (p PackageID) String() string { return p.Namespace + "/" + p.Name }
