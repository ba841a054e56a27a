package elevation

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"
)

// The records of docs/elevation.md's "Records" table. Users write requests,
// decisions and revoke asks in their own partition (IAM binds pk to the
// writer's aws:userid); only the machines write USED# and ASG# items.
const (
	requestPrefix  = "REQ#"
	decisionPrefix = "DEC#"
	revokePrefix   = "REV#"
	usedPrefix     = "USED#"
	usedSK         = "USED"
	untilPrefix    = "UNTIL#"

	// Approve and Deny are a decision's "decision" attribute.
	Approve = "approve"
	Deny    = "deny"
)

// Key is an item's primary key.
type Key struct {
	PK string `json:"pk"`
	SK string `json:"sk"`
}

func (k Key) item() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": strValue(k.PK), "sk": strValue(k.SK)}
}

// Request is a requester's ask for a permission set in an account, in the
// requester's partition: pk is their aws:userid (role-id:user-name), sk
// REQ#<ULID>.
type Request struct {
	Key
	Rule          string // the rule's name
	PermissionSet string // the permission set's name, as in the rule
	Account       string // 12-digit account id
	Seconds       int
	Reason        string // always written, possibly empty
	Ticket        string // always written, possibly empty
}

// NewRequestKey is the key of a new request by caller (an aws:userid) made
// at t.
func NewRequestKey(caller string, id ulid.ULID) Key {
	return Key{PK: caller, SK: requestPrefix + id.String()}
}

// ID is the request's ULID, which the commands take.
func (r Request) ID() string { return strings.TrimPrefix(r.SK, requestPrefix) }

// Requester is the user name of the request's writer.
func (r Request) Requester() string { return UserName(r.PK) }

// Created is when the requester's clock said the request was made (the
// ULID's time): for display only, never for a decision.
func (r Request) Created() time.Time {
	id, err := ulid.ParseStrict(r.ID())
	if err != nil {
		return time.Time{}
	}
	return ulid.Time(id.Time()).UTC()
}

// Duration is the length of the grant asked for.
func (r Request) Duration() time.Duration { return time.Duration(r.Seconds) * time.Second }

// Digest is SHA-256 (hex) of v1|pk|sk|rule|permission_set|account|seconds|
// reason|ticket: what an approver saw, which decide recomputes from the
// request as stored (seconds as DynamoDB's N string, in decimal).
func (r Request) Digest() string {
	s := strings.Join([]string{"v1", r.PK, r.SK, r.Rule, r.PermissionSet, r.Account, strconv.Itoa(r.Seconds), r.Reason, r.Ticket}, "|")
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Item is the request as DynamoDB stores it.
func (r Request) Item() map[string]types.AttributeValue {
	m := r.Key.item()
	m["rule"] = strValue(r.Rule)
	m["permission_set"] = strValue(r.PermissionSet)
	m["account"] = strValue(r.Account)
	m["seconds"] = &types.AttributeValueMemberN{Value: strconv.Itoa(r.Seconds)}
	m["reason"] = strValue(r.Reason)
	m["ticket"] = strValue(r.Ticket)
	return m
}

// Decision is an approver's approve or deny of a request, in the
// approver's partition: sk DEC#<request pk>#<request sk>.
type Decision struct {
	Key
	Decision string // Approve or Deny
	Comment  string
	Digest   string // the request's Digest as the approver saw it
}

// DecisionKey is the key of approver's decision on req.
func DecisionKey(approver string, req Key) Key {
	return Key{PK: approver, SK: decisionPrefix + req.PK + "#" + req.SK}
}

// Item is the decision as DynamoDB stores it.
func (d Decision) Item() map[string]types.AttributeValue {
	m := d.Key.item()
	m["decision"] = strValue(d.Decision)
	m["comment"] = strValue(d.Comment)
	m["digest"] = strValue(d.Digest)
	return m
}

// RevokeKey is the key of revoker's ask to end req's grant.
func RevokeKey(revoker string, req Key) Key {
	return Key{PK: revoker, SK: revokePrefix + req.PK + "#" + req.SK}
}

// UsedKey is the key of the marker decide writes once per request.
func UsedKey(req Key) Key {
	return Key{PK: usedPrefix + req.PK + "#" + req.SK, SK: usedSK}
}

// GrantItem is the referee's record of one approved request's assignment:
// pk ASG#<ps-id>#<account>#<identity-store user id>, sk
// UNTIL#<RFC 3339 UTC>#<request sk>, and the request's keys. The items of
// one assignment sort by their end.
type GrantItem struct {
	Key
	Until   time.Time
	Request Key // from request_pk and request_sk
}

// parseGrantItem reads a grant item; ok is false for any other item.
func parseGrantItem(m map[string]types.AttributeValue) (g GrantItem, ok bool) {
	k := keyOf(m)
	if !strings.HasPrefix(k.PK, grantPrefix) || !strings.HasPrefix(k.SK, untilPrefix) {
		return GrantItem{}, false
	}
	at, _, ok := strings.Cut(strings.TrimPrefix(k.SK, untilPrefix), "#")
	if !ok {
		return GrantItem{}, false
	}
	until, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return GrantItem{}, false
	}
	return GrantItem{Key: k, Until: until.UTC(), Request: Key{PK: attrS(m, "request_pk"), SK: attrS(m, "request_sk")}}, true
}

// UserName is the user name in an aws:userid of a permission-set session
// (role-id:user-name).
func UserName(userID string) string {
	_, name, ok := strings.Cut(userID, ":")
	if !ok {
		return userID
	}
	return name
}

// roleID is the role id in an aws:userid.
func roleID(userID string) string {
	id, _, _ := strings.Cut(userID, ":")
	return id
}

// strValue is s as a DynamoDB string.
func strValue(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// attrS reads a string attribute ("" when absent or not a string).
func attrS(m map[string]types.AttributeValue, name string) string {
	if v, ok := m[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func keyOf(m map[string]types.AttributeValue) Key {
	return Key{PK: attrS(m, "pk"), SK: attrS(m, "sk")}
}

// parseRequest reads a request item.
func parseRequest(m map[string]types.AttributeValue) (Request, error) {
	r := Request{Key: keyOf(m), Rule: attrS(m, "rule"), PermissionSet: attrS(m, "permission_set"),
		Account: attrS(m, "account"), Reason: attrS(m, "reason"), Ticket: attrS(m, "ticket")}
	if !strings.HasPrefix(r.SK, requestPrefix) {
		return Request{}, fmt.Errorf("item %s/%s is not a request", r.PK, r.SK)
	}
	n, ok := m["seconds"].(*types.AttributeValueMemberN)
	if !ok {
		return Request{}, fmt.Errorf("request %s has no seconds", r.ID())
	}
	secs, err := strconv.Atoi(n.Value)
	if err != nil {
		return Request{}, fmt.Errorf("request %s: seconds %q is not a whole number", r.ID(), n.Value)
	}
	r.Seconds = secs
	return r, nil
}
