package sandbox

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SeedEvents is a history of calls in CloudTrail: one entry makes events
// of one action at regular times between from and to, signed with one IAM
// user's access key.
type SeedEvents struct {
	// Account is the account of the user (default: the one account whose
	// iam_users has user, or holds access_key_id).
	Account string `yaml:"account"`
	// User is the IAM user who made the calls, one of the account's
	// iam_users (give user or access_key_id).
	User string `yaml:"user"`
	// AccessKeyID signed the calls: one of the user's access keys (default
	// the user's first; none for ConsoleLogin, or a user without keys).
	AccessKeyID string `yaml:"access_key_id"`
	// EventName is the API action, such as UpdateService or ConsoleLogin (required).
	EventName string `yaml:"event_name"`
	// EventSource is the service, such as ecs.amazonaws.com (required).
	EventSource string `yaml:"event_source"`
	// SourceIPs are the callers' addresses, used in turn: IP addresses, or
	// an AWS service's name (ec2.amazonaws.com) or "AWS Internal" for calls
	// AWS makes for a workload (default 203.0.113.10).
	SourceIPs []string `yaml:"source_ips"`
	// UserAgent of the calls (default aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22).
	UserAgent string `yaml:"user_agent"`
	// Region the calls were made in (default us-east-1; IAM and
	// Organizations events are always in us-east-1, as in AWS).
	Region string `yaml:"region"`
	// From is when the history starts: relative to the sandbox's start
	// (-90d, -12h) or a date (default -90d).
	From string `yaml:"from"`
	// To is when it ends, as from (default -1h).
	To string `yaml:"to"`
	// Every is the time between two events (6h, 30m, 1d; at least 1m); give
	// every or count.
	Every string `yaml:"every"`
	// Count is how many events, spread evenly from from to to.
	Count int `yaml:"count"`
}

const (
	defaultSeedUserAgent = "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22"
	defaultSeedSourceIP  = "203.0.113.10"
)

// seedTime reads a seed history's time: a duration before now (-90d,
// -12h, 0) or a date.
func seedTime(s string, now time.Time) (time.Time, error) {
	if s == "0" || s == "now" {
		return now, nil
	}
	if strings.HasPrefix(s, "-") {
		d, err := seedDuration(s[1:])
		if err != nil {
			return time.Time{}, err
		}
		return now.Add(-d), nil
	}
	var t time.Time
	if err := unmarshalTime(&t, []byte(s)); err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a time before the start (-90d, -12h) nor a date (2024-01-02)", s)
	}
	return t, nil
}

// seedDuration reads 90d, 6h, 30m.
func seedDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a duration (90d, 6h, 30m)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (90d, 6h, 30m)", s)
	}
	return d, nil
}

// seedKeyID is the id of a seeded access key: its own, or one derived from
// the user's name.
func seedKeyID(account, user string, i int, sk SeedAccessKey) string {
	if sk.ID != "" {
		return sk.ID
	}
	return "AKIA" + stableID(fmt.Sprintf("%s/%s/key%d", account, user, i), 16)
}

// times are the events' times of a seeded history.
func (se SeedEvents) times(now time.Time) ([]time.Time, error) {
	from, err := seedTime(cmp.Or(se.From, "-90d"), now)
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	to, err := seedTime(cmp.Or(se.To, "-1h"), now)
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if to.Before(from) {
		return nil, fmt.Errorf("to: %s is before from %s", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	var out []time.Time
	switch {
	case (se.Every == "") == (se.Count == 0):
		return nil, fmt.Errorf("every: give every or count")
	case se.Every != "":
		every, err := seedDuration(se.Every)
		if err != nil {
			return nil, fmt.Errorf("every: %w", err)
		}
		if every < time.Minute {
			return nil, fmt.Errorf("every: %s is less than 1m", se.Every)
		}
		if n := to.Sub(from) / every; n >= trailCap {
			return nil, fmt.Errorf("every: %s makes %d events, more than the %d an account and region keeps", se.Every, n+1, trailCap)
		}
		for t := from; !t.After(to); t = t.Add(every) {
			out = append(out, t)
		}
	default:
		if se.Count < 0 || se.Count > trailCap {
			return nil, fmt.Errorf("count: %d is not 1 to %d", se.Count, trailCap)
		}
		step := time.Duration(0)
		if se.Count > 1 {
			step = to.Sub(from) / time.Duration(se.Count-1)
		}
		for i := range se.Count {
			out = append(out, from.Add(time.Duration(i)*step))
		}
	}
	return out, nil
}

// seedEventProblems checks the cloudtrail entries of a seed.
func (s *Seed) seedEventProblems(add func(path, format string, a ...any)) {
	for i, se := range s.CloudTrail {
		at := fmt.Sprintf("cloudtrail[%d]", i)
		if se.EventName == "" {
			add(at+".event_name", "required")
		}
		if se.EventSource == "" {
			add(at+".event_source", "required (the service, such as ecs.amazonaws.com)")
		}
		if _, _, err := s.seedEventUser(se); err != nil {
			add(at, "%s", err.Error())
		}
		for j, ip := range se.SourceIPs {
			if _, err := netip.ParseAddr(ip); err != nil && !strings.HasSuffix(ip, ".amazonaws.com") && ip != "AWS Internal" {
				add(fmt.Sprintf("%s.source_ips[%d]", at, j), "%q is not an IP address, an AWS service (ec2.amazonaws.com) or AWS Internal", ip)
			}
		}
		if se.Region != "" && !regionPattern.MatchString(se.Region) {
			add(at+".region", "%q is not a region (us-east-1)", se.Region)
		}
		if _, err := se.times(time.Now()); err != nil {
			field, msg, _ := strings.Cut(err.Error(), ": ")
			add(at+"."+field, "%s", msg)
		}
	}
}

var regionPattern = lazyRegexp(`^[a-z]{2}(-[a-z]+)+-\d$`)

// seedEventUser finds the account and user of a history entry.
func (s *Seed) seedEventUser(se SeedEvents) (string, *SeedIAMUser, error) {
	if se.User == "" && se.AccessKeyID == "" {
		return "", nil, fmt.Errorf("give user or access_key_id")
	}
	var found []string
	var user *SeedIAMUser
	for _, a := range s.Accounts {
		if se.Account != "" && a.ID != se.Account {
			continue
		}
		for j := range a.IAMUsers {
			u := &a.IAMUsers[j]
			if se.User != "" && u.Name != se.User {
				continue
			}
			hasKey := se.AccessKeyID == ""
			for k, sk := range u.AccessKeys {
				hasKey = hasKey || seedKeyID(a.ID, u.Name, k, sk) == se.AccessKeyID
			}
			if hasKey {
				found, user = append(found, a.ID), u
			}
		}
	}
	switch {
	case len(found) == 0 && se.AccessKeyID != "":
		return "", nil, fmt.Errorf("access key %s is not among the iam_users' access_keys%s", se.AccessKeyID, inAccount(se.Account))
	case len(found) == 0:
		return "", nil, fmt.Errorf("user %q is not among the accounts' iam_users%s", se.User, inAccount(se.Account))
	case len(found) > 1:
		return "", nil, fmt.Errorf("user %q is in accounts %s: give account", se.User, strings.Join(found, ", "))
	}
	return found[0], user, nil
}

func inAccount(id string) string {
	if id == "" {
		return ""
	}
	return " of account " + id
}

// seedTrails adds the seed's histories to the world's trails.
func (w *World) seedTrails(seed *Seed, now time.Time) {
	byTrail := map[string][]trailEvent{}
	var keys []string
	for _, se := range seed.CloudTrail {
		account, su, _ := seed.seedEventUser(se) // checked in problems
		var u *IAMUser
		for _, x := range w.IAM[account].Users {
			if x.Name == su.Name {
				u = x
			}
		}
		keyID := se.AccessKeyID
		if keyID == "" && len(u.AccessKeys) > 0 {
			keyID = u.AccessKeys[0].ID
		}
		if se.EventName == "ConsoleLogin" {
			keyID = ""
		}
		id := identityOf(caller{AccountID: account, ARN: iamUserARN("aws", account, u), UserID: u.ID, IAMUser: u})
		ips := se.SourceIPs
		if len(ips) == 0 {
			ips = []string{defaultSeedSourceIP}
		}
		ua := cmp.Or(se.UserAgent, defaultSeedUserAgent)
		region := eventRegion(se.EventSource, cmp.Or(se.Region, globalRegion))
		k := trailKey(account, region)
		if _, ok := byTrail[k]; !ok {
			keys = append(keys, k)
		}
		times, _ := se.times(now)
		for i, t := range times {
			byTrail[k] = append(byTrail[k], trailEvent{Time: t.UTC(), Name: se.EventName, Source: se.EventSource,
				ReadOnly: readOnlyEvent(se.EventName), KeyID: keyID, Identity: id, SourceIP: ips[i%len(ips)], UserAgent: ua})
		}
		if se.EventName == "ConsoleLogin" && len(times) > 0 {
			// The user's last sign-in agrees with its history.
			if last := times[len(times)-1]; u.PasswordLastUsed == nil || u.PasswordLastUsed.Before(last) {
				u.PasswordLastUsed = &last
			}
		}
		if keyID != "" && len(times) > 0 {
			last := times[len(times)-1]
			for _, ak := range u.AccessKeys {
				if ak.ID == keyID && (ak.LastUsed == nil || ak.LastUsed.Before(last)) {
					// The key's last use agrees with its history.
					ak.LastUsed, ak.LastUsedService, ak.LastUsedRegion = &last, strings.TrimSuffix(se.EventSource, ".amazonaws.com"), region
				}
			}
		}
	}
	for _, k := range keys {
		evs := byTrail[k]
		slices.SortStableFunc(evs, func(a, b trailEvent) int { return a.Time.Compare(b.Time) })
		account, region, _ := strings.Cut(k, "/")
		t := w.trail(account, region)
		for _, e := range evs {
			t.add(e)
		}
	}
}
