package usage

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/keyless-dev/keyless/internal/plural"
)

// Evidence is what CloudTrail shows of a credential's calls in a window.
type Evidence struct {
	// Events is the number of calls.
	Events int `json:"events"`
	// Actions counts calls by service prefix and action (ecs:UpdateService).
	Actions map[string]int `json:"actions,omitempty"`
	// Services counts calls by event source (ecs.amazonaws.com).
	Services map[string]int `json:"services,omitempty"`
	// SourceIPs counts calls by sourceIPAddress: an address, or an AWS
	// service's name when AWS called for the workload.
	SourceIPs map[string]int `json:"source_ips,omitempty"`
	// UserAgents counts calls by user agent.
	UserAgents map[string]int `json:"user_agents,omitempty"`
	// Regions counts calls by region.
	Regions map[string]int `json:"regions,omitempty"`
	// PerDay counts calls by UTC day (2006-01-02).
	PerDay map[string]int `json:"per_day,omitempty"`
	// First and Last are the first and last call seen.
	First time.Time `json:"first,omitzero"`
	Last  time.Time `json:"last,omitzero"`
	// Recent are the last calls, newest first (at most RecentMax): who
	// called, from where, for a key used after it was deactivated.
	Recent []Call `json:"recent,omitempty"`
}

// Call is one call as CloudTrail recorded it.
type Call struct {
	Time      time.Time `json:"time"`
	Action    string    `json:"action"`
	Region    string    `json:"region"`
	SourceIP  string    `json:"source_ip"`
	UserAgent string    `json:"user_agent"`
}

func (c Call) String() string {
	return fmt.Sprintf("%s at %s from %s (%s) in %s", c.Action, c.Time.UTC().Format(time.RFC3339), c.SourceIP, c.UserAgent, c.Region)
}

// RecentMax bounds Evidence.Recent.
const RecentMax = 5

// After are the recent calls after t, newest first.
func (e *Evidence) After(t time.Time) []Call {
	var out []Call
	for _, c := range e.Recent {
		if c.Time.After(t) {
			out = append(out, c)
		}
	}
	return out
}

// keepRecent adds c to the recent calls, keeping the newest RecentMax.
func (e *Evidence) keepRecent(c Call) {
	i, _ := slices.BinarySearchFunc(e.Recent, c, func(a, b Call) int { return b.Time.Compare(a.Time) })
	if i >= RecentMax {
		return
	}
	e.Recent = slices.Insert(e.Recent, i, c)
	if len(e.Recent) > RecentMax {
		e.Recent = e.Recent[:RecentMax]
	}
}

// add counts one event.
func (e *Evidence) add(source, name, region, ip, agent string, at time.Time) {
	if e.Actions == nil {
		e.Actions, e.Services, e.SourceIPs, e.UserAgents, e.Regions, e.PerDay =
			map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	}
	e.Events++
	e.Actions[servicePrefix(source)+":"+name]++
	e.Services[source]++
	e.SourceIPs[ip]++
	e.UserAgents[agent]++
	e.Regions[region]++
	e.PerDay[at.UTC().Format(time.DateOnly)]++
	e.keepRecent(Call{Time: at.UTC(), Action: servicePrefix(source) + ":" + name, Region: region, SourceIP: ip, UserAgent: agent})
	if e.First.IsZero() || at.Before(e.First) {
		e.First = at
	}
	if at.After(e.Last) {
		e.Last = at
	}
}

// merge adds o's counts to e.
func (e *Evidence) merge(o Evidence) {
	if o.Events == 0 {
		return
	}
	if e.Actions == nil {
		e.Actions, e.Services, e.SourceIPs, e.UserAgents, e.Regions, e.PerDay =
			map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	}
	e.Events += o.Events
	for _, p := range []struct{ to, from map[string]int }{
		{e.Actions, o.Actions}, {e.Services, o.Services}, {e.SourceIPs, o.SourceIPs},
		{e.UserAgents, o.UserAgents}, {e.Regions, o.Regions}, {e.PerDay, o.PerDay},
	} {
		for k, v := range p.from {
			p.to[k] += v
		}
	}
	if e.First.IsZero() || o.First.Before(e.First) {
		e.First = o.First
	}
	for _, c := range o.Recent {
		e.keepRecent(c)
	}
	if o.Last.After(e.Last) {
		e.Last = o.Last
	}
}

// servicePrefix is IAM's name for a service from its event source
// (ecs.amazonaws.com is ecs).
func servicePrefix(source string) string {
	return strings.TrimSuffix(source, ".amazonaws.com")
}

// Count is one value and how often it was seen.
type Count struct {
	Value string `json:"value"`
	N     int    `json:"n"`
}

// Top returns the n most frequent values of a count, most frequent first
// (ties by value), for display.
func Top(m map[string]int, n int) []Count {
	out := make([]Count, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Count{k, m[k]})
	}
	slices.SortStableFunc(out, func(a, b Count) int { return cmp.Compare(b.N, a.N) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Summary is one line of the evidence, for a person to read.
func (e *Evidence) Summary() string {
	if e.Events == 0 {
		return "no calls"
	}
	var acts []string
	for _, c := range Top(e.Actions, 3) {
		acts = append(acts, fmt.Sprintf("%s (%d)", c.Value, c.N))
	}
	return fmt.Sprintf("%s from %s to %s: %s; %s, %s, %s %s",
		plural.Count(e.Events, "call", "calls"), e.First.Format(time.DateOnly), e.Last.Format(time.DateOnly), strings.Join(acts, ", "),
		plural.Count(len(e.SourceIPs), "source address", "source addresses"), plural.Count(len(e.UserAgents), "user agent", "user agents"),
		plural.Of(len(e.Regions), "region", "regions"), strings.Join(slices.Sorted(maps.Keys(e.Regions)), ", "))
}
