package sandbox

import (
	"fmt"
	"maps"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keyless-dev/keyless/internal/policy"
)

// Authorization: what a role session may do. Calls signed with credentials
// of a role session (a permission set's role from the portal, AssumeRole,
// AssumeRoleWithWebIdentity, AssumeRoleWithSAML, the sessions the Scheduler
// and Step Functions take of an execution role) are evaluated against the
// role's policies as IAM holds them (inline, attached managed, the
// permissions boundary) and the session's policies, with the condition keys
// the sandbox can supply (sessionContext). Every other caller is not
// evaluated: dummy keys (the account administrator), IAM users' keys and
// their session tokens, and root sessions (which have their own task
// policies, sts_root.go). docs/sandbox.md, "Authorization".

// evaluatedSources are the session sources whose calls are evaluated.
var evaluatedSources = map[string]bool{"portal": true, "assume-role": true, "web-identity": true, "saml": true, "scheduler": true, "states": true}

// alwaysAllowed are the actions no policy can refuse (sts:GetCallerIdentity:
// "No permissions are required to perform this operation").
var alwaysAllowed = map[string]bool{"sts:GetCallerIdentity": true}

// iamPrefixes maps the sandbox's service names to their IAM action
// prefix where the two differ.
var iamPrefixes = map[string]string{"sso-admin": "sso"}

// actionName is a call's IAM action: service:Operation.
func actionName(service, op string) string {
	if p, ok := iamPrefixes[service]; ok {
		service = p
	}
	return service + ":" + op
}

// protocol tells how an access denied error is written.
type protocol int

const (
	protoQuery protocol = iota // IAM, STS: AccessDenied, 403
	protoJSON                  // awsJson1_1: AccessDeniedException, 400
	protoREST                  // restJson1: AccessDeniedException, 403
)

// authorize refuses a call the caller's policies do not allow. param
// reads a request parameter by its name in the API, for the resource the
// call acts on (resourceOf); it is called only for evaluated sessions.
func (c *call) authorize(service, op string, proto protocol, param func(string) string) error {
	if c.accessKeyID == "" {
		return nil
	}
	sess := c.w.Sessions[c.accessKeyID]
	if sess == nil || !evaluatedSources[sess.Source] {
		return nil
	}
	action := actionName(service, op)
	if alwaysAllowed[action] {
		return nil
	}
	policies, role := c.sessionPolicies(sess)
	ctx := c.sessionContext(sess, role)
	// Every action on every resource the call acts on must be allowed
	// (sso-admin's account assignments name three resources; DynamoDB's
	// batches and transactions act on each table, item by item).
	for _, ch := range c.checksOf(action, sess.AccountID, param) {
		rctx := ctx
		if len(ch.context) > 0 {
			rctx = maps.Clone(ctx)
			maps.Copy(rctx, ch.context)
		}
		d := policies.Evaluate(&policy.Request{Action: ch.action, Resource: ch.resource, Context: rctx})
		if !d.Allowed {
			return accessDenied(proto, sess.ARN, ch.action, ch.resource, d)
		}
	}
	return nil
}

// authzCheck is one evaluation a call needs: an action on a resource,
// with the request's own condition keys for it.
type authzCheck struct {
	action, resource string
	context          map[string][]string
}

// checksOf is every evaluation a call needs: DynamoDB's multi-item
// operations have their own (dynamoChecks); any other call is its action
// on each of resourcesOf, with requestContext's keys.
func (c *call) checksOf(action, account string, param func(string) string) []authzCheck {
	if checks, ok := c.dynamoChecks(action, account); ok {
		return checks
	}
	rctx := c.requestContext(action)
	var out []authzCheck
	for _, resource := range c.resourcesOf(action, account, param) {
		out = append(out, authzCheck{action: action, resource: resource, context: rctx})
	}
	return out
}

// accessDenied is AWS's refusal of action on resource, in the protocol's
// shape.
func accessDenied(proto protocol, principal, action, resource string, d policy.Decision) error {
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", principal, action, resource, d.Reason(action))
	switch proto {
	case protoQuery:
		return newError(403, "AccessDenied", "%s", msg)
	case protoREST:
		return newError(403, "AccessDeniedException", "%s", msg)
	}
	return newError(400, "AccessDeniedException", "%s", msg)
}

// sessionPolicies are the policies that decide what sess may do, and its
// role (nil once deleted: then none).
func (c *call) sessionPolicies(sess *Session) (policy.Policies, *IAMRole) {
	role := c.sessionRole(sess)
	if role == nil {
		return policy.Policies{}, nil
	}
	return c.s.policies.of(c.w, sess, role), role
}

// sessionRole is the IAM role a session acts as, nil once the role is
// deleted (its sessions then may do nothing, as in AWS).
func (c *call) sessionRole(sess *Session) *IAMRole {
	_, rest, ok := strings.Cut(sess.ARN, ":assumed-role/")
	if !ok {
		return nil
	}
	name, _, _ := strings.Cut(rest, "/")
	ia := c.w.IAM[sess.AccountID]
	if ia == nil {
		return nil
	}
	for _, r := range ia.Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// sessionContext is the request's condition keys (the IAM user guide's
// "AWS global condition context keys") that the sandbox knows.
func (c *call) sessionContext(sess *Session, role *IAMRole) map[string][]string {
	one := func(v string) []string { return []string{v} }
	ctx := map[string][]string{
		"aws:currenttime":            one(c.now.UTC().Format(time.RFC3339)),
		"aws:epochtime":              one(strconv.FormatInt(c.now.Unix(), 10)),
		"aws:principalaccount":       one(sess.AccountID),
		"aws:principaltype":          one("AssumedRole"),
		"aws:userid":                 one(sess.UserID),
		"aws:requestedregion":        one(c.region),
		"aws:multifactorauthpresent": one(strconv.FormatBool(sess.MFA)),
		"aws:securetransport":        one(strconv.FormatBool(c.r.TLS != nil)),
		"aws:viaawsservice":          one("false"),
	}
	if sess.IdentityStoreUserID != "" {
		// The key Identity Center's guide uses to revoke one user's
		// sessions of a permission set ("Revoke active user permissions
		// with a deny policy").
		ctx["identitystore:userid"] = one(sess.IdentityStoreUserID)
	}
	if !sess.Issued.IsZero() {
		ctx["aws:tokenissuetime"] = one(sess.Issued.UTC().Format(time.RFC3339Nano))
	}
	if host, _, err := net.SplitHostPort(c.r.RemoteAddr); err == nil {
		ctx["aws:sourceip"] = one(host)
	}
	if o := c.w.Organization; o != nil && c.w.account(sess.AccountID) != nil {
		ctx["aws:principalorgid"] = one(o.ID)
	}
	if role != nil {
		ctx["aws:principalarn"] = one(strings.Replace(roleARN(sess.AccountID, role), "arn:aws:", "arn:"+c.partition()+":", 1))
		// The role's tags, and the session's over them.
		for _, t := range role.Tags {
			ctx["aws:principaltag/"+strings.ToLower(t.Key)] = one(t.Value)
		}
	}
	for _, t := range sess.Tags {
		ctx["aws:principaltag/"+strings.ToLower(t.Key)] = one(t.Value)
	}
	return ctx
}

// policyCache holds compiled policy documents by their text: a role's
// policies compile once per version of each, whatever the number of calls.
type policyCache struct {
	mu   sync.Mutex
	docs map[string]*policy.Compiled
}

// maxCachedPolicies bounds the cache; past it, it starts over.
const maxCachedPolicies = 4096

// compile returns doc compiled, or nil for a document that does not
// parse (none should: IAM's grammar checked each where it was stored),
// which then grants and denies nothing.
func (pc *policyCache) compile(doc string) *policy.Compiled {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if c, ok := pc.docs[doc]; ok {
		return c
	}
	if pc.docs == nil || len(pc.docs) >= maxCachedPolicies {
		pc.docs = map[string]*policy.Compiled{}
	}
	c, err := policy.Compile(doc)
	if err != nil {
		c = nil
	}
	pc.docs[doc] = c
	return c
}

// of gathers the policies that decide what sess may do.
func (pc *policyCache) of(w *World, sess *Session, role *IAMRole) policy.Policies {
	var p policy.Policies
	for _, ip := range role.InlinePolicies {
		p.Identity = append(p.Identity, pc.compile(ip.Document))
	}
	for _, arn := range role.AttachedPolicies {
		if doc, ok := w.managedPolicyDocument(sess.AccountID, arn); ok {
			p.Identity = append(p.Identity, pc.compile(doc))
		}
	}
	if role.Boundary != "" {
		doc, _ := w.managedPolicyDocument(sess.AccountID, role.Boundary)
		p.Boundary = pc.compile(doc)
		if p.Boundary == nil {
			// A boundary the sandbox has no document for allows nothing.
			p.Boundary = &policy.Compiled{}
		}
	}
	if sess.Policy != "" || len(sess.PolicyARNs) > 0 {
		p.Session = []*policy.Compiled{}
		if sess.Policy != "" {
			p.Session = append(p.Session, pc.compile(sess.Policy))
		}
		for _, arn := range sess.PolicyARNs {
			if doc, ok := w.managedPolicyDocument(sess.AccountID, arn); ok {
				p.Session = append(p.Session, pc.compile(doc))
			}
		}
	}
	return p
}

// managedPolicyDocument is the default version of a managed policy: a
// customer managed policy of account, or an AWS managed one the sandbox
// carries. ok is false for any other.
func (w *World) managedPolicyDocument(account, arn string) (string, bool) {
	m := iamPolicyARN.FindStringSubmatch(arn)
	if m == nil {
		return "", false
	}
	if m[1] == "aws" {
		for _, p := range awsManagedPolicies {
			if p.path == m[2] && p.name == m[3] {
				return p.document, true
			}
		}
		return "", false
	}
	if m[1] != account || w.IAM[account] == nil {
		return "", false
	}
	for _, p := range w.IAM[account].Policies {
		if p.ARN != arn {
			continue
		}
		for _, v := range p.Versions {
			if v.ID == p.DefaultVersion {
				return v.Document, true
			}
		}
	}
	return "", false
}
