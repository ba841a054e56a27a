package elevation

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Status is where a request stands.
type Status string

const (
	Pending  Status = "pending"  // no decision has been acted on
	Denied   Status = "denied"   // an approver denied it
	Active   Status = "active"   // granted, until its end
	Ended    Status = "ended"    // granted, and its end has passed
	Revoked  Status = "revoked"  // granted, then revoked
	Approved Status = "approved" // approved, with no grant recorded (yet)
	Expired  Status = "expired"  // nobody decided it in time: no longer decidable
)

// Entry is one request and what became of it.
type Entry struct {
	Request     Request   `json:"-"`
	ID          string    `json:"id"`
	Requester   string    `json:"requester"`
	Rule        string    `json:"rule"`
	Set         string    `json:"permission_set"`
	Account     string    `json:"account"`
	AccountName string    `json:"account_name,omitempty"`
	Seconds     int       `json:"seconds"`
	Reason      string    `json:"reason"`
	Ticket      string    `json:"ticket"`
	RequestedAt time.Time `json:"requested_at"` // the requester's clock (the id's time)
	// ExpiresAt is when a pending request stops being decidable (the
	// catalog's request expiry after RequestedAt); set while pending and
	// once expired.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Status    Status     `json:"status"`
	// Until is the grant's end, as the referee recorded it.
	Until     *time.Time `json:"until,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"`
	Comment   string     `json:"comment,omitempty"`
	RevokedBy []string   `json:"revoked_by,omitempty"`
	// Rewritten: the requester rewrote the request after it was decided,
	// so its duration, reason and ticket are not what was decided. Set
	// and Account are the decided ones (the referee's marker keeps them).
	Rewritten bool `json:"rewritten,omitempty"`
}

// Mine reports whether the entry is the caller's request.
func (c *Client) Mine(e Entry) bool { return e.Request.PK == c.Caller }

// List reads the table and returns every request with its state, oldest
// first: the caller's own and everyone's pending ones, or all with all.
func (c *Client) List(ctx context.Context, all bool) ([]Entry, error) {
	var (
		requests  []Request
		used      = map[Key]map[string]types.AttributeValue{}
		grants    = map[Key][]GrantItem{} // by request
		decisions = map[Key][]Decision{}
		revokes   = map[Key][]string{}
	)
	err := c.scan(ctx, "", nil, func(m map[string]types.AttributeValue) {
		k := keyOf(m)
		switch {
		case strings.HasPrefix(k.SK, requestPrefix):
			if r, err := parseRequest(m); err == nil {
				requests = append(requests, r)
			}
		case strings.HasPrefix(k.PK, usedPrefix) && k.SK == usedSK:
			if rk, ok := splitRequestKey(strings.TrimPrefix(k.PK, usedPrefix)); ok {
				used[rk] = m
			}
		case strings.HasPrefix(k.PK, grantPrefix):
			if g, ok := parseGrantItem(m); ok {
				grants[g.Request] = append(grants[g.Request], g)
			}
		case strings.HasPrefix(k.SK, decisionPrefix):
			if rk, ok := splitRequestKey(strings.TrimPrefix(k.SK, decisionPrefix)); ok {
				decisions[rk] = append(decisions[rk], Decision{Key: k, Decision: attrS(m, "decision"), Comment: attrS(m, "comment"), Digest: attrS(m, "digest")})
			}
		case strings.HasPrefix(k.SK, revokePrefix):
			if rk, ok := splitRequestKey(strings.TrimPrefix(k.SK, revokePrefix)); ok {
				revokes[rk] = append(revokes[rk], UserName(k.PK))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	now := c.now()
	var out []Entry
	for _, r := range requests {
		e := c.Pending(r)
		e.RevokedBy = revokes[r.Key]
		if u, ok := used[r.Key]; ok {
			e.Status = Approved
			if m := markerOf(u); m.Rewritten(r) {
				d := c.AsDecided(r, m)
				e.Rewritten, e.Set, e.Account = true, d.PermissionSet, d.Account
				e.Request.PermissionSet, e.Request.Account = d.PermissionSet, d.Account
				e.AccountName = ""
				if rule, ok := c.Catalog.Rule(r.Rule); ok {
					e.AccountName = rule.AccountNames[d.Account]
				}
			}
			d := decidedBy(u, decisions[r.Key])
			e.DecidedBy, e.Comment = UserName(d.PK), d.Comment
			if d.Decision == Deny {
				e.Status = Denied
			}
		}
		switch m := markerOf(used[r.Key]); {
		case e.Status != Approved:
		case m.GrantState == GrantRevoked:
			e.Status = Revoked
		case m.Unfinished():
			// Approved, and decide did not make the grant (yet): a grant
			// item may be there without its assignment. Until is the end
			// it has when finished.
			if !m.Until.IsZero() {
				until := m.Until
				e.Until = &until
			}
		default:
			for _, g := range grants[r.Key] {
				until := g.Until
				e.Until = &until
				e.Status = Active
				if !until.After(now) {
					e.Status = Ended
				}
			}
			if e.Until == nil && len(e.RevokedBy) > 0 {
				e.Status = Revoked
			} else if until, err := time.Parse(time.RFC3339, attrS(used[r.Key], "until")); e.Until == nil && err == nil && !until.After(now) {
				// The grant item is gone once ended; the marker keeps the end.
				e.Until, e.Status = &until, Ended
			}
		}
		if e.Status == Pending && !now.Before(*e.ExpiresAt) {
			e.Status = Expired
		}
		if e.Status != Pending && e.Status != Expired {
			e.ExpiresAt = nil
		}
		if all || c.Mine(e) || e.Status == Pending {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Pending is r as a pending entry, before anything was decided.
func (c *Client) Pending(r Request) Entry {
	e := Entry{Request: r, ID: r.ID(), Requester: r.Requester(), Rule: r.Rule, Set: r.PermissionSet, Account: r.Account,
		Seconds: r.Seconds, Reason: r.Reason, Ticket: r.Ticket, RequestedAt: r.Created(), Status: Pending}
	expires := c.ExpiresAt(r)
	e.ExpiresAt = &expires
	if rule, ok := c.Catalog.Rule(r.Rule); ok {
		e.AccountName = rule.AccountNames[r.Account]
	}
	return e
}

// ExpiresAt is when r stops being decidable: the catalog's request expiry
// after its time. decide judges it by AWS's clock; this is for showing it
// and for refusing early.
func (c *Client) ExpiresAt(r Request) time.Time {
	return r.Created().Add(c.Catalog.Expiry())
}

// Expired reports whether r is past its expiry by the client's clock.
func (c *Client) Expired(r Request) bool { return !c.now().Before(c.ExpiresAt(r)) }

// decidedBy is the decision a USED# marker records: its "decision" and
// "decision_pk" attributes, with the comment of that decision.
func decidedBy(used map[string]types.AttributeValue, ds []Decision) Decision {
	d := Decision{Key: Key{PK: attrS(used, "decision_pk")}, Decision: attrS(used, "decision")}
	for _, x := range ds {
		if x.PK == d.PK || (d.PK == "" && len(ds) == 1) {
			if d.Decision == "" {
				d.Decision = x.Decision
			}
			d.PK, d.Comment = x.PK, x.Comment
		}
	}
	return d
}

// splitRequestKey reads "<request pk>#<request sk>" (the sk being
// REQ#<ULID>).
func splitRequestKey(s string) (Key, bool) {
	i := strings.LastIndex(s, "#"+requestPrefix)
	if i < 0 {
		return Key{}, false
	}
	return Key{PK: s[:i], SK: s[i+1:]}, true
}

// GrantOf reads the grant the referee recorded for req; nil when there is
// none (denied, pending, revoked).
func (c *Client) GrantOf(ctx context.Context, req Request) (*GrantItem, error) {
	var found *GrantItem
	err := c.scan(ctx, "begins_with(pk, :p)", map[string]types.AttributeValue{":p": strValue(grantPrefix)}, func(m map[string]types.AttributeValue) {
		if g, ok := parseGrantItem(m); ok && g.Request == req.Key {
			found = &g
		}
	})
	return found, err
}
