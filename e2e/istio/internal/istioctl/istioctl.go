// Package istioctl runs `istioctl validate` and `istioctl analyze` on files
// and judges their findings against a list of expected warnings.
package istioctl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// Finding is one message from istioctl.
type Finding struct {
	Tool      string // "validate" or "analyze"
	Level     string // Error, Warning, Info
	Code      string // analyzer code (IST0xxx); empty for validate
	Origin    string // object, as istioctl names it
	Reference string // file:line, when istioctl gives it
	Source    string // where the object came from before flattening, when known
	Message   string
	// Expected is the rule that accepts the finding, nil if none does.
	Expected *Rule
}

func (f Finding) String() string {
	var b strings.Builder
	verdict := "UNEXPECTED"
	if f.Expected != nil {
		verdict = "expected"
	}
	fmt.Fprintf(&b, "%s istioctl %s %s", verdict, f.Tool, f.Level)
	if f.Code != "" {
		fmt.Fprintf(&b, " [%s]", f.Code)
	}
	if f.Origin != "" {
		fmt.Fprintf(&b, " %s", f.Origin)
	}
	if f.Reference != "" {
		fmt.Fprintf(&b, " (%s)", f.Reference)
	}
	if f.Source != "" {
		fmt.Fprintf(&b, " from %s", f.Source)
	}
	fmt.Fprintf(&b, ": %s", f.Message)
	if f.Expected != nil {
		fmt.Fprintf(&b, "  -- accepted by EXPECTED_WARNINGS.md: %s", f.Expected.Why)
	}
	return b.String()
}

// Rule is one accepted warning from EXPECTED_WARNINGS.md.
type Rule struct {
	Tool    string
	Level   string
	Code    string // "-" or empty for validate
	Message *regexp.Regexp
	Why     string
}

// Matches reports whether r accepts f.
func (r *Rule) Matches(f Finding) bool {
	if r.Tool != f.Tool || !strings.EqualFold(r.Level, f.Level) {
		return false
	}
	if r.Code != "" && r.Code != "-" && r.Code != f.Code {
		return false
	}
	return r.Message.MatchString(f.Message)
}

// ParseRules reads the accepted-warnings table of EXPECTED_WARNINGS.md:
// the markdown table rows between the lines "<!-- accepted:begin -->" and
// "<!-- accepted:end -->", columns tool | level | code | message regexp | why.
func ParseRules(path string) ([]*Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rules []*Rule
	in, seen := false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		switch line {
		case "<!-- accepted:begin -->":
			in, seen = true, true
			continue
		case "<!-- accepted:end -->":
			in = false
			continue
		}
		if !in || !strings.HasPrefix(line, "|") {
			continue
		}
		cells := splitRow(line)
		if len(cells) != 5 {
			return nil, fmt.Errorf("%s:%d: want 5 columns (tool | level | code | message regexp | why), got %d", path, n, len(cells))
		}
		if cells[0] == "tool" || strings.Trim(cells[0], "-: ") == "" {
			continue // header or separator
		}
		tool, level, code := cells[0], cells[1], strings.Trim(cells[2], "`")
		if tool != "validate" && tool != "analyze" {
			return nil, fmt.Errorf("%s:%d: tool must be validate or analyze, got %q", path, n, tool)
		}
		switch level {
		case "Error", "Warning", "Info":
		default:
			return nil, fmt.Errorf("%s:%d: level must be Error, Warning or Info, got %q", path, n, level)
		}
		re, err := regexp.Compile(strings.Trim(cells[3], "`"))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: message regexp: %v", path, n, err)
		}
		rules = append(rules, &Rule{Tool: tool, Level: level, Code: code, Message: re, Why: cells[4]})
	}
	if !seen {
		return nil, fmt.Errorf("%s: no <!-- accepted:begin --> marker", path)
	}
	return rules, sc.Err()
}

// splitRow splits a markdown table row on unescaped "|".
func splitRow(line string) []string {
	line = strings.TrimPrefix(strings.TrimSuffix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		if line[i] == '\\' && i+1 < len(line) && line[i+1] == '|' {
			cur.WriteByte('|')
			i++
			continue
		}
		if line[i] == '|' {
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
			continue
		}
		cur.WriteByte(line[i])
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// Result is what istioctl said about a set of files.
type Result struct {
	Findings []Finding
	// Failures are reasons to fail that are not findings: a non-zero exit
	// that no finding explains, files that could not be parsed.
	Failures []string
	// Raw output, for the report.
	ValidateOutput, AnalyzeOutput string
}

// Unexpected counts findings no rule accepts plus failures.
func (r *Result) Unexpected() int {
	n := len(r.Failures)
	for _, f := range r.Findings {
		if f.Expected == nil {
			n++
		}
	}
	return n
}

// Run runs `istioctl validate` on every file and `istioctl analyze
// --use-kube=false -A` on each file (on all files at once if together), and
// classifies what they say.
func Run(istioctl string, files []string, together bool, rules []*Rule) (*Result, error) {
	res := &Result{}
	if len(files) == 0 {
		return nil, fmt.Errorf("no files")
	}

	// istioctl validate -f a -f b ...
	args := []string{"validate"}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	out, code, err := run(istioctl, args...)
	if err != nil {
		return nil, err
	}
	res.ValidateOutput = out
	vf := parseValidate(out)
	res.Findings = append(res.Findings, vf...)
	valid := strings.Count(out, "\" is valid") + strings.Count(out, "\" has warnings")
	if code != 0 {
		res.Failures = append(res.Failures, fmt.Sprintf("istioctl validate exited %d:\n%s", code, indent(out)))
	} else if valid != len(files) {
		res.Failures = append(res.Failures, fmt.Sprintf("istioctl validate reported on %d of %d files:\n%s", valid, len(files), indent(out)))
	}

	// istioctl analyze --use-kube=false -A: without -A only one namespace
	// is analyzed. Each file is one cluster state (one function run)
	// unless together is set: analyzing independent runs together would
	// report conflicts between objects that never meet.
	groups := [][]string{files}
	if !together {
		groups = nil
		for _, f := range files {
			groups = append(groups, []string{f})
		}
	}
	for _, g := range groups {
		if err := res.analyze(istioctl, g); err != nil {
			return nil, err
		}
	}

	for i := range res.Findings {
		f := &res.Findings[i]
		f.Source = sourceOf(f.Reference)
		for _, r := range rules {
			if r.Matches(*f) {
				f.Expected = r
				break
			}
		}
	}
	return res, nil
}

func (res *Result) analyze(istioctl string, files []string) error {
	// Info and up, as JSON; the exit code is judged below.
	args := append([]string{"analyze", "--use-kube=false", "-A", "--output-threshold", "Info", "-o", "json"}, files...)
	stdout, stderr, code, err := run2(istioctl, args...)
	if err != nil {
		return err
	}
	res.AnalyzeOutput += fmt.Sprintf("$ istioctl %s\n%s%s", strings.Join(args, " "), stdout, stderr)
	var msgs []struct {
		Code, Level, Message, Origin, Reference string
	}
	if jerr := decodeMessages(stdout, &msgs); jerr != nil {
		res.Failures = append(res.Failures, fmt.Sprintf("istioctl analyze %s (exit %d) printed no JSON message list (%v):\n%s", strings.Join(files, " "), code, jerr, indent(stdout+stderr)))
	}
	for _, m := range msgs {
		res.Findings = append(res.Findings, Finding{Tool: "analyze", Level: m.Level, Code: m.Code, Origin: m.Origin, Reference: m.Reference, Message: m.Message})
	}
	if all := stdout + stderr; strings.Contains(all, "couldn't be parsed") || strings.Contains(all, "Error(s) adding files") {
		res.Failures = append(res.Failures, "istioctl analyze could not parse some files:\n"+indent(all))
	}
	// analyze exits non-zero when a message reaches --failure-threshold
	// (Warning by default); that is judged per finding. A non-zero exit
	// without any message is a failure.
	if code != 0 && len(msgs) == 0 {
		res.Failures = append(res.Failures, fmt.Sprintf("istioctl analyze %s exited %d without messages:\n%s", strings.Join(files, " "), code, indent(stdout+stderr)))
	}
	return nil
}

// decodeMessages decodes the JSON message list analyze prints on stdout.
// Log lines may come before it (istioctl logs parse problems to stdout),
// so decoding starts at the first line that opens a JSON array.
func decodeMessages(stdout string, into any) error {
	lines := strings.SplitAfter(stdout, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "[") {
			return json.NewDecoder(strings.NewReader(strings.Join(lines[i:], ""))).Decode(into)
		}
	}
	return fmt.Errorf("no JSON array in the output")
}

// parseValidate picks the warnings out of `istioctl validate` output:
//
//	"file" has warnings:
//		* Kind/ns/name: message
func parseValidate(out string) []Finding {
	var fs []Finding
	in := false
	for _, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(strings.TrimSpace(line), "has warnings:") || strings.Contains(line, "\" has warnings: ") {
			in = true
			// Single-warning form: "f" has warnings: message
			if i := strings.Index(line, "has warnings: "); i >= 0 {
				if rest := strings.TrimSpace(line[i+len("has warnings: "):]); rest != "" {
					fs = append(fs, validateFinding(rest))
				}
			}
			continue
		}
		t := strings.TrimSpace(line)
		if in && strings.HasPrefix(t, "* ") {
			fs = append(fs, validateFinding(strings.TrimPrefix(t, "* ")))
			continue
		}
		if t != "" {
			in = false
		}
	}
	return fs
}

func validateFinding(s string) Finding {
	f := Finding{Tool: "validate", Level: "Warning", Message: s}
	// Kind/ns/name: message
	if i := strings.Index(s, ": "); i > 0 && strings.Count(s[:i], "/") == 2 && !strings.Contains(s[:i], " ") {
		f.Origin, f.Message = s[:i], s[i+2:]
	}
	return f
}

var refRE = regexp.MustCompile(`^(.*):(\d+)$`)

// sourceOf finds, for a reference file:line into a file flattened by
// validate-istio, the "# source:" comment above that line.
func sourceOf(ref string) string {
	m := refRE.FindStringSubmatch(ref)
	if m == nil {
		return ""
	}
	data, err := os.ReadFile(m[1])
	if err != nil {
		return ""
	}
	line, err := strconv.Atoi(m[2])
	if err != nil {
		return ""
	}
	lines := strings.Split(string(data), "\n")
	if line > len(lines) {
		line = len(lines)
	}
	for i := line - 1; i >= 0; i-- {
		if s, ok := strings.CutPrefix(lines[i], "# source: "); ok {
			return s
		}
	}
	return ""
}

func run(bin string, args ...string) (string, int, error) {
	stdout, stderr, code, err := run2(bin, args...)
	return stdout + stderr, code, err
}

func run2(bin string, args ...string) (string, string, int, error) {
	cmd := exec.Command(bin, args...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		return so.String(), se.String(), ee.ExitCode(), nil
	}
	if err != nil {
		return "", "", 0, fmt.Errorf("running %s: %w", bin, err)
	}
	return so.String(), se.String(), 0, nil
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
