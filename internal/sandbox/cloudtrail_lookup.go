package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// DefaultLookupEventsTPS is AWS's limit on LookupEvents: two requests a
// second per account and region.
const DefaultLookupEventsTPS = 2

func cloudtrailOps() map[string]jsonOp {
	return map[string]jsonOp{"LookupEvents": op(lookupEvents)}
}

type lookupAttribute struct {
	AttributeKey   string `json:"AttributeKey"`
	AttributeValue string `json:"AttributeValue"`
}

type lookupEventsIn struct {
	LookupAttributes []lookupAttribute `json:"LookupAttributes"`
	StartTime        *float64          `json:"StartTime"`
	EndTime          *float64          `json:"EndTime"`
	EventCategory    string            `json:"EventCategory"`
	MaxResults       *int              `json:"MaxResults"`
	NextToken        *string           `json:"NextToken"`
}

type lookupEventOut struct {
	EventID         string             `json:"EventId"`
	EventName       string             `json:"EventName"`
	ReadOnly        string             `json:"ReadOnly"`
	AccessKeyID     string             `json:"AccessKeyId,omitempty"`
	EventTime       float64            `json:"EventTime"`
	EventSource     string             `json:"EventSource"`
	Username        string             `json:"Username,omitempty"`
	Resources       []lookupResourceOu `json:"Resources"`
	CloudTrailEvent string             `json:"CloudTrailEvent"`
}

type lookupResourceOu struct {
	ResourceType string `json:"ResourceType,omitempty"`
	ResourceName string `json:"ResourceName,omitempty"`
}

type lookupEventsOut struct {
	Events    lookupEventList `json:"Events"`
	NextToken string          `json:"NextToken,omitempty"`
}

// lookupEventList is a page of events, copied while the world is locked
// and rendered after, when the reply is written: the records' JSON is most
// of a lookup's work, and other requests need not wait for it.
type lookupEventList struct {
	events                 []trailEvent
	key, region, recipient string
}

func (l lookupEventList) MarshalJSON() ([]byte, error) {
	out := make([]lookupEventOut, len(l.events))
	for i := range l.events {
		out[i] = l.events[i].lookupOut(l.key, l.region, l.recipient)
	}
	return json.Marshal(out)
}

var lookupKeys = []string{"EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"}

// lookupEvents serves LookupEvents from the caller's account and the
// signing region's history: the last 90 days, newest first, at most one
// lookup attribute, pages of up to 50, at most LookupEventsTPS requests a
// second per account and region.
func lookupEvents(c *call, in *lookupEventsIn) (any, error) {
	who := c.caller()
	if err := c.s.lookupEventsQuota(who.AccountID, c.region, c.arrived); err != nil {
		return nil, err
	}
	if !c.lookupAllowed(who) {
		return nil, newError(400, "AccessDeniedException", "User: %s is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action", who.ARN)
	}
	if len(in.LookupAttributes) > 1 {
		return nil, newError(400, "InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
	}
	var attr *lookupAttribute
	if len(in.LookupAttributes) == 1 {
		attr = &in.LookupAttributes[0]
		if !slices.Contains(lookupKeys, attr.AttributeKey) {
			return nil, newError(400, "InvalidLookupAttributesException", "%q is not a lookup attribute: use one of %s", truncate(attr.AttributeKey, 100), strings.Join(lookupKeys, ", "))
		}
		if n := len(attr.AttributeValue); n < 1 || n > 2000 {
			return nil, newError(400, "InvalidLookupAttributesException", "The attribute value of %s must be 1 to 2000 characters long.", attr.AttributeKey)
		}
	}
	limit := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, newError(400, "InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
		}
		limit = *in.MaxResults
	}
	switch in.EventCategory {
	case "", "insight":
	default:
		return nil, newError(400, "InvalidEventCategoryException", "%q is not an event category: use insight", truncate(in.EventCategory, 100))
	}
	from, to := c.now.Add(-trailWindow), c.now
	if in.StartTime != nil {
		from = maxTime(from, fromEpochSeconds(*in.StartTime))
	}
	if in.EndTime != nil {
		to = minTime(to, fromEpochSeconds(*in.EndTime))
	}
	if in.StartTime != nil && in.EndTime != nil && *in.StartTime > *in.EndTime {
		return nil, newError(400, "InvalidTimeRangeException", "Start time must be before end time.")
	}
	key := trailKey(who.AccountID, c.region)
	params := lookupParams(key, attr, in)
	cursor := cursorAfter{time: to, seq: math.MaxUint64}
	if in.NextToken != nil && *in.NextToken != "" {
		var ok bool
		if cursor, ok = parseLookupToken(*in.NextToken, params); !ok {
			return nil, newError(400, "InvalidNextTokenException", "Invalid NextToken: it is not one this lookup returned (a token must come with the same parameters as the call that returned it).")
		}
	}
	out := lookupEventsOut{Events: lookupEventList{key: trailKey(who.AccountID, c.region), region: c.region, recipient: who.AccountID}}
	if in.EventCategory == "insight" {
		return out, nil // the sandbox has no Insights events
	}
	t := c.w.Trails[key]
	if t == nil {
		return out, nil
	}
	// Newest first, from just before the cursor.
	i := sort.Search(len(t.events), func(i int) bool { return cursor.before(&t.events[i]) })
	var last *trailEvent
	for i--; i >= 0; i-- {
		e := &t.events[i]
		if e.Time.Before(from) {
			break
		}
		if e.Time.After(to) || !e.matches(attr, key) {
			continue
		}
		if len(out.Events.events) == limit {
			// More match: the next page starts below the last one returned.
			out.NextToken = lookupToken(params, cursorAfter{time: last.Time, seq: last.Seq})
			break
		}
		out.Events.events = append(out.Events.events, *e)
		last = e
	}
	return out, nil
}

// lookupEventsQuota applies the LookupEvents limit of an account and region.
func (s *Server) lookupEventsQuota(account, region string, arrived time.Time) error {
	tps := s.opts.LookupEventsTPS
	if tps == 0 {
		tps = DefaultLookupEventsTPS
	}
	if tps < 0 {
		return nil
	}
	bucket := "cloudtrail:" + account + ":" + region
	s.limitMu.Lock()
	l := s.lookupLimiters[bucket]
	if l == nil {
		// A bucket holding two requests: a client keeping to the rate is
		// not throttled for its requests' jitter on the way.
		l = rate.NewLimiter(rate.Limit(tps), max(2, int(tps)))
		s.lookupLimiters[bucket] = l
	}
	s.limitMu.Unlock()
	if arrived.IsZero() {
		arrived = time.Now()
	}
	if l.AllowN(arrived, 1) {
		return nil
	}
	s.callsMu.Lock()
	s.calls["throttled:"+bucket]++
	s.callsMu.Unlock()
	return newError(400, "ThrottlingException", "Rate exceeded")
}

// cursorAfter is where a page ends: the next page holds the events older
// than (time, seq).
type cursorAfter struct {
	time time.Time
	seq  uint64
}

// before reports whether the cursor comes before e, that is e is not on
// the next page.
func (c cursorAfter) before(e *trailEvent) bool {
	return e.Time.After(c.time) || e.Time.Equal(c.time) && e.Seq >= c.seq
}

// lookupParams binds a token to the lookup that made it.
func lookupParams(key string, attr *lookupAttribute, in *lookupEventsIn) string {
	var b strings.Builder
	b.WriteString(key)
	if attr != nil {
		fmt.Fprintf(&b, "|%s=%s", attr.AttributeKey, attr.AttributeValue)
	}
	for _, t := range []*float64{in.StartTime, in.EndTime} {
		if t != nil {
			fmt.Fprintf(&b, "|%v", *t)
		} else {
			b.WriteString("|-")
		}
	}
	b.WriteString("|" + in.EventCategory)
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
}

func lookupToken(params string, c cursorAfter) string {
	raw := fmt.Sprintf("%s.%d.%d", params, c.time.UnixNano(), c.seq)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func parseLookupToken(tok, params string) (cursorAfter, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return cursorAfter{}, false
	}
	p := strings.Split(string(raw), ".")
	if len(p) != 3 || p[0] != params {
		return cursorAfter{}, false
	}
	ns, err1 := strconv.ParseInt(p[1], 10, 64)
	seq, err2 := strconv.ParseUint(p[2], 10, 64)
	if err1 != nil || err2 != nil {
		return cursorAfter{}, false
	}
	return cursorAfter{time: time.Unix(0, ns).UTC(), seq: seq}, true
}

func (e *trailEvent) matches(attr *lookupAttribute, key string) bool {
	if attr == nil {
		return true
	}
	v := attr.AttributeValue
	switch attr.AttributeKey {
	case "AccessKeyId":
		return e.KeyID == v
	case "Username":
		return e.Identity != nil && e.Identity.UserName == v
	case "EventName":
		return e.Name == v
	case "EventSource":
		return e.Source == v
	case "ReadOnly":
		return strconv.FormatBool(e.ReadOnly) == v
	case "ResourceName":
		return e.Resource != nil && e.Resource.Name == v
	case "ResourceType":
		return e.Resource != nil && e.Resource.Type == v
	case "EventId":
		return e.eventID(key) == v
	}
	return false
}

func (e *trailEvent) lookupOut(key, region, recipient string) lookupEventOut {
	id := e.eventID(key)
	out := lookupEventOut{EventID: id, EventName: e.Name, ReadOnly: strconv.FormatBool(e.ReadOnly), AccessKeyID: e.KeyID,
		EventTime: epoch(e.Time), EventSource: e.Source, Resources: []lookupResourceOu{}}
	if e.Identity != nil {
		out.Username = e.Identity.UserName
	}
	if e.Resource != nil {
		out.Resources = append(out.Resources, lookupResourceOu{ResourceType: e.Resource.Type, ResourceName: e.Resource.Name})
	}
	out.CloudTrailEvent = string(e.record(key, id, region, recipient))
	return out
}

// ctRecord is a CloudTrail record as the CloudTrailEvent string holds it.
type ctRecord struct {
	EventVersion       string         `json:"eventVersion"`
	UserIdentity       map[string]any `json:"userIdentity"`
	EventTime          string         `json:"eventTime"`
	EventSource        string         `json:"eventSource"`
	EventName          string         `json:"eventName"`
	AWSRegion          string         `json:"awsRegion"`
	SourceIPAddress    string         `json:"sourceIPAddress"`
	UserAgent          string         `json:"userAgent"`
	ErrorCode          string         `json:"errorCode,omitempty"`
	RequestParameters  any            `json:"requestParameters"`
	ResponseElements   any            `json:"responseElements"`
	RequestID          string         `json:"requestID"`
	EventID            string         `json:"eventID"`
	ReadOnly           bool           `json:"readOnly"`
	EventType          string         `json:"eventType"`
	ManagementEvent    bool           `json:"managementEvent"`
	RecipientAccountID string         `json:"recipientAccountId"`
	EventCategory      string         `json:"eventCategory"`
}

func (e *trailEvent) record(key, id, region, recipient string) []byte {
	ui := map[string]any{}
	if e.Identity != nil {
		ui["type"], ui["principalId"], ui["arn"], ui["accountId"] = e.Identity.Type, e.Identity.PrincipalID, e.Identity.ARN, e.Identity.AccountID
		switch e.Identity.Type {
		case "IAMUser":
			ui["userName"] = e.Identity.UserName
		case "WebIdentityUser":
			ui["userName"], ui["identityProvider"] = e.Identity.UserName, e.Identity.Provider
			delete(ui, "arn")
			delete(ui, "accountId")
		case "AssumedRole":
			// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
			p := strings.Split(e.Identity.ARN, "/")
			if len(p) == 3 {
				ui["sessionContext"] = map[string]any{"sessionIssuer": map[string]any{"type": "Role", "userName": p[1], "accountId": e.Identity.AccountID}}
			}
		}
	}
	if e.KeyID != "" {
		ui["accessKeyId"] = e.KeyID
	}
	typ := "AwsApiCall"
	if e.Name == "ConsoleLogin" {
		typ = "AwsConsoleSignIn"
	}
	var params any
	if e.Name == "AssumeRoleWithWebIdentity" && e.Resource != nil {
		params = map[string]any{"roleArn": e.Resource.Name}
	}
	b, _ := json.Marshal(ctRecord{RequestParameters: params, EventVersion: "1.08", UserIdentity: ui, EventTime: e.Time.UTC().Format(time.RFC3339),
		EventSource: e.Source, EventName: e.Name, AWSRegion: region, SourceIPAddress: e.SourceIP, UserAgent: e.UserAgent,
		ErrorCode: e.ErrorCode, RequestID: e.requestID(key), EventID: id, ReadOnly: e.ReadOnly, EventType: typ,
		ManagementEvent: true, RecipientAccountID: recipient, EventCategory: "Management"})
	return b
}

// lookupAllowed is a coarse check of an IAM user's identity policies for
// cloudtrail:LookupEvents, as the sandbox's authorization (authz.go)
// leaves IAM users unrestricted: a managed policy that grants it
// (AdministratorAccess, ReadOnlyAccess, ...), or an inline or customer
// managed policy, the user's or its groups', with an Allow statement whose
// Action matches (Deny, Resource and Condition are not evaluated). Role
// sessions were decided by authz before the handler ran; callers the
// sandbox keeps no policies for (its administrator, root) are allowed.
func (c *call) lookupAllowed(who caller) bool {
	ia := c.w.IAM[who.AccountID]
	u := who.IAMUser
	if u == nil {
		return true
	}
	attached, inline := u.AttachedPolicies, u.InlinePolicies
	if ia != nil {
		for _, gn := range u.Groups {
			for _, g := range ia.Groups {
				if strings.EqualFold(g.Name, gn) {
					attached = append(slices.Clip(attached), g.AttachedPolicies...)
					inline = append(slices.Clip(inline), g.InlinePolicies...)
				}
			}
		}
	}
	for _, arn := range attached {
		name := arn[strings.LastIndex(arn, "/")+1:]
		if slices.Contains(lookupManagedPolicies, name) && strings.Contains(arn, ":aws:policy/") {
			return true
		}
		if ia != nil {
			for _, p := range ia.Policies {
				if p.ARN == arn && policyAllows(defaultDocument(p), "cloudtrail:LookupEvents") {
					return true
				}
			}
		}
	}
	for _, p := range inline {
		if policyAllows(p.Document, "cloudtrail:LookupEvents") {
			return true
		}
	}
	return false
}

// lookupManagedPolicies are AWS managed policies that allow LookupEvents.
var lookupManagedPolicies = []string{"AdministratorAccess", "ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit",
	"AWSCloudTrail_ReadOnlyAccess", "AWSCloudTrail_FullAccess", "PowerUserAccess"}

func defaultDocument(p *IAMPolicy) string {
	for _, v := range p.Versions {
		if v.ID == p.DefaultVersion {
			return v.Document
		}
	}
	return ""
}

// policyAllows reports whether a document has an Allow statement whose
// Action matches action (wildcards as IAM has them, case-insensitive).
func policyAllows(doc, action string) bool {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return false
	}
	var stmts []struct {
		Effect string
		Action json.RawMessage
	}
	if json.Unmarshal(d.Statement, &stmts) != nil {
		var one struct {
			Effect string
			Action json.RawMessage
		}
		if json.Unmarshal(d.Statement, &one) != nil {
			return false
		}
		stmts = append(stmts, one)
	}
	for _, s := range stmts {
		if s.Effect != "Allow" {
			continue
		}
		var acts []string
		if json.Unmarshal(s.Action, &acts) != nil {
			var a string
			if json.Unmarshal(s.Action, &a) != nil {
				continue
			}
			acts = []string{a}
		}
		for _, a := range acts {
			if ok, _ := path.Match(strings.ToLower(a), strings.ToLower(action)); ok {
				return true
			}
		}
	}
	return false
}

func fromEpochSeconds(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
