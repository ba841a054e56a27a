package cleanup

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/scan"
	"github.com/keyless-dev/keyless/internal/usage"
	"github.com/keyless-dev/keyless/internal/workloads"
)

// Machine is an IAM user with access keys whose evidence shows no person
// behind it: a CI pipeline, a workload on AWS, an outside service, or
// unknown. A CI pipeline whose repository is known becomes a workloads:
// entry; the rest are listed with the replacement to make by hand.
type Machine struct {
	User    string   `json:"user"`
	Account string   `json:"account"`
	Keys    []string `json:"keys"`
	usage.Classification
	// Evidence is the keys' use in one line; Limits what it cannot show.
	Evidence string   `json:"evidence"`
	Limits   []string `json:"limits,omitempty"`
	// Workload is the entry written for the user, nil when none was.
	Workload *ImportedWorkload `json:"workload,omitempty"`
	// Todo says what is left to do by hand, "" when the entry is written.
	Todo string `json:"todo,omitempty"`
}

// ImportedWorkload is a CI user as a keyless.yaml workloads: entry: its
// pipeline's role in the user's account, with the user's policies.
type ImportedWorkload struct {
	Name     string          `json:"name"`
	Account  string          `json:"account"`
	LikeUser string          `json:"like_user"`
	Where    string          `json:"where"`
	From     string          `json:"from"` // --map, or where scan found the repository
	Entry    workloads.Entry `json:"-"`
}

// Machines are the machine users of an account, in IAM's order.
type Machines struct {
	List      []Machine
	Workloads []ImportedWorkload
	// notPeople are the users not to import as people.
	notPeople map[string]bool
}

// ScanResult is what keyless scan found in one directory.
type ScanResult struct {
	Dir      string
	Findings []scan.Finding
}

// ciRepo is a repository scan found handing a long-lived key to CI.
type ciRepo struct {
	entry workloads.Entry
	where string // DIR/.github/workflows/deploy.yml:9
}

// ciRepos are the repositories a scan's ci-long-lived-keys findings name,
// one per repository: those whose remote keyless scan could read (a
// placeholder ORG/REPO is no repository) and that make a valid entry
// (GitHub and GitLab; the others need ids scan cannot see).
func ciRepos(r ScanResult) []ciRepo {
	var out []ciRepo
	for _, f := range r.Findings {
		if f.Rule != scan.RuleCIKeys || f.Workload == "" {
			continue
		}
		var entries []struct {
			GitHub *struct {
				Repo string `yaml:"repo"`
			} `yaml:"github"`
			GitLab *struct {
				Project string `yaml:"project"`
			} `yaml:"gitlab"`
		}
		if yaml.Unmarshal([]byte(f.Workload), &entries) != nil || len(entries) != 1 {
			continue
		}
		v := ""
		switch e := entries[0]; {
		case e.GitHub != nil && e.GitHub.Repo != "ORG/REPO":
			v = "github:" + e.GitHub.Repo
		case e.GitLab != nil && e.GitLab.Project != "GROUP/PROJECT":
			v = "gitlab:" + e.GitLab.Project
		}
		e, err := ParseWorkloadMap(v)
		if v == "" || err != nil || slices.ContainsFunc(out, func(c ciRepo) bool { return Where(&c.entry) == Where(&e) }) {
			continue
		}
		out = append(out, ciRepo{e, fmt.Sprintf("%s:%d", f.File, f.Line)})
	}
	return out
}

// keyFound is where a scan found one of keys itself, "" when it did not.
func keyFound(r ScanResult, keys []string) string {
	for _, f := range r.Findings {
		if f.KeyID != "" && slices.Contains(keys, f.KeyID) {
			return fmt.Sprintf("%s:%d", f.File, f.Line)
		}
	}
	return ""
}

// SortMachines classifies each IAM user with access keys from its keys'
// evidence (rep) and hints: a console password, its key found by scan. A
// user --map gives a workload or an email is what the map says, unless the
// evidence shows a workload mapped to a person or to a workload on AWS,
// which is an error naming the flag. A CI pipeline gets its repository
// from --map, from a scan that found its key in a repository, or, when
// exactly one CI user and one scanned repository handing a key to CI are
// left without a match, from that repository. Person and unknown users
// with an email stay people, as before.
func SortMachines(st *audit.AccountState, tags map[string]map[string]string, rep *usage.Report, maps *Maps, scans []ScanResult) (*Machines, error) {
	out := &Machines{notPeople: map[string]bool{}}
	evidence := map[string]*usage.User{}
	if rep != nil {
		for _, u := range rep.Users() {
			evidence[u.User] = u
		}
	}
	var repos []ciRepo
	for _, s := range scans {
		repos = append(repos, ciRepos(s)...)
	}
	claimed := map[string]bool{}
	var waiting []int // CI users without a repository
	for _, u := range st.Users {
		mw, mapped := maps.Workloads[u.Name]
		if len(u.AccessKeys) == 0 && !mapped {
			continue
		}
		if _, email := mappedOK(maps.Emails, u.Name); email {
			continue
		}
		m := Machine{User: u.Name, Account: st.AccountID}
		for _, k := range u.AccessKeys {
			m.Keys = append(m.Keys, k.ID)
		}
		ev := evidence[u.Name]
		if ev == nil {
			ev = &usage.User{Account: st.AccountID, User: u.Name}
		}
		h := usage.Hints{ConsolePassword: u.LoginProfile != nil}
		var found *ciRepo
		for _, s := range scans {
			if at := keyFound(s, m.Keys); at != "" {
				h.KeyInCI = at
				if rs := ciRepos(s); len(rs) == 1 {
					found = &ciRepo{rs[0].entry, at}
				}
				break
			}
		}
		m.Classification = ev.Classify(h)
		m.Evidence = ev.Summary()
		for _, k := range ev.Keys {
			m.Limits = append(m.Limits, k.Limits(rep.From)...)
		}
		m.Limits = slices.Compact(m.Limits)
		if mapped {
			if m.Class == usage.Person || m.Class == usage.AWSWorkload {
				return nil, fmt.Errorf("%s: IAM user %s is %s by its evidence (%s), not a pipeline: map it to an email, or if the evidence is wrong, write its workloads: entry by hand",
					mw.Flag, u.Name, article(m.Class), strings.Join(m.Reasons, "; "))
			}
			m.Workload = &ImportedWorkload{Entry: mw.Entry, From: mw.Flag}
		}
		switch {
		case m.Workload != nil:
		case m.Class == usage.CIPipeline && found != nil:
			m.Workload = &ImportedWorkload{Entry: found.entry, From: "scan: its key is in " + found.where}
		case m.Class == usage.Person, m.Class == usage.Unknown && audit.EmailTag(tags[u.Name]) != "":
			continue // a person, imported (or skipped) as before
		case m.Class == usage.CIPipeline:
			waiting = append(waiting, len(out.List))
		}
		if w := m.Workload; w != nil {
			w.Name, w.Account, w.LikeUser, w.Where = u.Name, st.AccountID, u.Name, Where(&w.Entry)
			claimed[repoOf(&w.Entry)] = true
		}
		out.List = append(out.List, m)
		out.notPeople[u.Name] = true
	}
	var left []ciRepo
	for _, r := range repos {
		if !claimed[repoOf(&r.entry)] {
			left = append(left, r)
		}
	}
	if len(waiting) == 1 && len(left) == 1 {
		m := &out.List[waiting[0]]
		m.Workload = &ImportedWorkload{Name: m.User, Account: m.Account, LikeUser: m.User, Where: Where(&left[0].entry), Entry: left[0].entry,
			From: "scan: the one repository handing a key to CI (" + left[0].where + ") and the one CI user without a repository"}
	}
	for i := range out.List {
		m := &out.List[i]
		if m.Workload != nil {
			out.Workloads = append(out.Workloads, *m.Workload)
			continue
		}
		m.Todo = "replace by hand with " + m.Replacement + "; keep the user until then"
		switch m.Class {
		case usage.CIPipeline:
			m.Todo = fmt.Sprintf("name its pipeline with --map %s=PROVIDER:WHERE (%s), then import again", m.User, MapForms())
			if len(left) > 1 {
				var ws []string
				for _, r := range left {
					ws = append(ws, Where(&r.entry)+" ("+r.where+")")
				}
				m.Todo += "; scan found several: " + strings.Join(ws, ", ")
			}
		case usage.Unknown:
			m.Todo = "kept: find its owner, then --map it to their email or to its pipeline (" + m.User + "=PROVIDER:WHERE), or replace it by hand"
		}
	}
	return out, nil
}

// mappedOK is a user's email from the map, and whether it has one.
func mappedOK(m map[string]string, user string) (string, bool) {
	v := mapped(m, user)
	return v, v != ""
}

func article(c usage.Class) string {
	switch c {
	case usage.Person:
		return "a person"
	case usage.AWSWorkload:
		return "a workload on AWS"
	}
	return string(c)
}

// workloadsYAML is the entries as a workloads: section.
func workloadsYAML(ws []ImportedWorkload) string {
	var b strings.Builder
	b.WriteString("\n# CI pipelines that used an IAM user's key: each role takes the user's policies (like_user).\nworkloads:\n")
	for _, w := range ws {
		b.WriteString(listItem{workload: &w}.Block(2, 1, false))
	}
	return b.String()
}

// repoOf is what an entry names without its branch: a repository mapped
// on one branch claims the one scan found on another.
func repoOf(e *workloads.Entry) string {
	w, _, _ := strings.Cut(Where(e), "@")
	return w
}

// fields are the workload's lines, in order. A name too long for the
// default role name keyless-NAME gives the role the user's name (IAM's
// limits on both are the same 64 characters).
func (w *ImportedWorkload) fields() []string {
	f := []string{"name: " + scalar(w.Name), providerYAML(&w.Entry), "accounts: [" + fmt.Sprintf("%q", w.Account) + "]", "like_user: " + scalar(w.LikeUser)}
	if len("keyless-"+w.Name) > 64 {
		f = append(f, "role_name: "+scalar(w.Name))
	}
	return f
}
