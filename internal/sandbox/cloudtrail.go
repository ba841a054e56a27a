package sandbox

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The sandbox's CloudTrail: every signed API call it serves becomes a
// management event in the event history of the caller's account, in the
// region it was made in (IAM and Organizations, global services, in
// us-east-1 as in AWS), and seeds add a history of older events
// (cloudtrail_seed.go). LookupEvents reads it (cloudtrail_lookup.go).

// trailCap bounds each account and region's history: past it the oldest
// events are dropped, so a sandbox serving calls for days holds at most
// trailCap events per account and region (about 200 bytes each).
const trailCap = 100_000

// trailWindow is how far back LookupEvents sees, as in AWS.
const trailWindow = 90 * 24 * time.Hour

// globalRegion is where AWS records the events of global services.
const globalRegion = "us-east-1"

// trailEvent is one recorded call. Strings a seed repeats (user agents,
// names) share their storage, so a long history stays small.
type trailEvent struct {
	Time      time.Time
	Seq       uint64 // orders events of the same time; unique in its trail
	Name      string // eventName
	Source    string // eventSource, iam.amazonaws.com
	ReadOnly  bool
	KeyID     string // accessKeyId, empty for unsigned calls
	Identity  *trailIdentity
	SourceIP  string
	UserAgent string
	RequestID string // empty for seeded events: derived from the event id
	ErrorCode string
	Resource  *trailResource
}

// trailIdentity is an event's userIdentity, shared by the events of one
// caller.
type trailIdentity struct {
	Type        string // IAMUser, AssumedRole, Root, FederatedUser
	PrincipalID string
	ARN         string
	AccountID   string
	UserName    string // the user name, or the role session's role name
	Provider    string // a WebIdentityUser's identity provider (its ARN)
}

type trailResource struct{ Type, Name string }

// trail is one account and region's history, oldest first.
type trail struct {
	events  []trailEvent
	nextSeq uint64
}

// trailKey names an account and region's history.
func trailKey(account, region string) string { return account + "/" + region }

// add records e in time order and drops the oldest past trailCap.
func (t *trail) add(e trailEvent) {
	e.Seq = t.nextSeq
	t.nextSeq++
	i := len(t.events)
	for i > 0 && t.events[i-1].Time.After(e.Time) {
		i-- // seeds and clocks set back insert into the past; calls append
	}
	t.events = slices.Insert(t.events, i, e)
	if n := len(t.events) - trailCap; n > 0 {
		// Reslicing keeps this O(1); append's next growth copies only what
		// is left, so the dropped events are freed.
		clear(t.events[:n])
		t.events = t.events[n:]
	}
}

// trail returns the history of an account and region, made on first use.
func (w *World) trail(account, region string) *trail {
	if w.Trails == nil {
		w.Trails = map[string]*trail{}
	}
	k := trailKey(account, region)
	t := w.Trails[k]
	if t == nil {
		t = &trail{}
		w.Trails[k] = t
	}
	return t
}

// eventSources are the eventSource of each service the sandbox serves.
var eventSources = map[string]string{
	"sso-admin":     "sso.amazonaws.com",
	"identitystore": "identitystore.amazonaws.com",
	"organizations": "organizations.amazonaws.com",
	"sts":           "sts.amazonaws.com",
	"iam":           "iam.amazonaws.com",
	"cloudtrail":    "cloudtrail.amazonaws.com",
	"dynamodb":      "dynamodb.amazonaws.com",
}

// dataEvents are calls CloudTrail logs as data events, which only a trail
// that asks for them records: never in the event history LookupEvents reads.
var dataEvents = map[string]bool{
	"dynamodb:PutItem": true, "dynamodb:GetItem": true, "dynamodb:DeleteItem": true, "dynamodb:UpdateItem": true,
	"dynamodb:Query": true, "dynamodb:Scan": true,
}

// globalSources are recorded in us-east-1 whatever region signed the call.
var globalSources = map[string]bool{"iam.amazonaws.com": true, "organizations.amazonaws.com": true}

// eventRegion is the region whose history holds a call of source made in
// region.
func eventRegion(source, region string) string {
	if globalSources[source] {
		return globalRegion
	}
	return region
}

// readOnlyEvent tells a read from a write by the action's verb, as
// CloudTrail's readOnly does for these services.
func readOnlyEvent(name string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Lookup", "Search", "Head", "BatchGet", "Is"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// record adds the call to the trail of the caller's account. who is the
// caller as it was before the handler ran (the handler may delete the key
// it was signed with); err is the handler's.
func (c *call) record(who caller, service, action string, err error, res *trailResource) {
	if c.accessKeyID == "" || dataEvents[service+":"+action] {
		return
	}
	source := eventSources[service]
	e := trailEvent{Time: c.now.UTC(), Name: action, Source: source, ReadOnly: readOnlyEvent(action),
		KeyID: c.accessKeyID, Identity: identityOf(who), SourceIP: sourceIP(c.r), UserAgent: truncate(c.r.UserAgent(), 1000),
		RequestID: c.requestID, Resource: res}
	if err != nil {
		e.ErrorCode = asAPIError(err).Code
	}
	c.w.trail(who.AccountID, eventRegion(source, c.region)).add(e)
}

// identityOf is the userIdentity of a caller.
func identityOf(who caller) *trailIdentity {
	id := &trailIdentity{Type: "IAMUser", PrincipalID: who.UserID, ARN: who.ARN, AccountID: who.AccountID}
	switch {
	case who.IAMUser != nil:
		id.UserName = who.IAMUser.Name
	case who.Session != nil && strings.Contains(who.ARN, ":assumed-role/"):
		id.Type = "AssumedRole"
		// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: Username is the session's name.
		id.UserName = who.ARN[strings.LastIndex(who.ARN, "/")+1:]
	case who.Session != nil && strings.HasSuffix(who.ARN, ":root"):
		id.Type, id.UserName = "Root", "root"
	case who.Session != nil && strings.Contains(who.ARN, ":federated-user/"):
		id.Type = "FederatedUser"
		id.UserName = who.ARN[strings.LastIndex(who.ARN, "/")+1:]
	default:
		id.UserName = who.ARN[strings.LastIndex(who.ARN, "/")+1:]
	}
	return id
}

// sourceIP is the caller's address as CloudTrail's sourceIPAddress gives it.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// eventID is the event's id: a UUID derived from its trail and sequence,
// so seeded histories are the same on every start.
func (e *trailEvent) eventID(key string) string {
	return derivedUUID(fmt.Sprintf("%s/%d", key, e.Seq))
}

func (e *trailEvent) requestID(key string) string {
	if e.RequestID != "" {
		return e.RequestID
	}
	return derivedUUID(fmt.Sprintf("request/%s/%d", key, e.Seq))
}

func derivedUUID(s string) string {
	sum := sha256.Sum256([]byte(s))
	a, b := binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16])
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>48&0xfff, b&0xffffffffffff)
}

// queryResource is the IAM resource a query call names, where it names
// one: the access key, role, user, group or policy.
func queryResource(service string, form url.Values) *trailResource {
	if service != "iam" {
		return nil
	}
	for _, p := range []struct{ param, typ string }{
		{"AccessKeyId", "AWS::IAM::AccessKey"}, {"RoleName", "AWS::IAM::Role"}, {"UserName", "AWS::IAM::User"},
		{"GroupName", "AWS::IAM::Group"}, {"PolicyArn", "AWS::IAM::Policy"},
	} {
		if v := form.Get(p.param); v != "" {
			return &trailResource{Type: p.typ, Name: truncate(v, 2000)}
		}
	}
	return nil
}

// recordWebIdentity adds a successful AssumeRoleWithWebIdentity to the
// trail of the role's account, as AWS does: an unsigned call whose
// userIdentity is the token's subject (type WebIdentityUser) and whose
// resource is the role, so that LookupEvents by EventName or by
// ResourceName (the role's ARN) finds the role's federated uses.
func (c *call) recordWebIdentity(account, roleARN, providerARN, subject string) {
	e := trailEvent{Time: c.now.UTC(), Name: "AssumeRoleWithWebIdentity", Source: "sts.amazonaws.com",
		Identity: &trailIdentity{Type: "WebIdentityUser", PrincipalID: providerARN + ":" + subject, UserName: truncate(subject, 255), Provider: providerARN},
		SourceIP: sourceIP(c.r), UserAgent: truncate(c.r.UserAgent(), 1000), RequestID: c.requestID,
		Resource: &trailResource{Type: "AWS::IAM::Role", Name: roleARN}}
	c.w.trail(account, c.region).add(e)
}
