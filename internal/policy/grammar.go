package policy

import (
	"encoding/json"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/keyless-dev/keyless/internal/lazyre"
)

// IAM checks a document in stages, and the first stage that fails names the
// error: syntax ("Syntax errors in policy."), then the version, then the
// legacy parser (Effect's case, dates in conditions, resources' shape), then
// SIDs, actions and resources. The order matters: a document with two faults
// gets the message of the earlier stage, as from IAM.

var (
	topElements       = []string{"Version", "Id", "Statement"}
	statementElements = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
	// conditionOperators are IAM's condition operators, before a
	// ForAllValues:/ForAnyValue: prefix and an IfExists suffix.
	conditionOperators = []string{
		"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
		"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
		"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
		"Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
	}
	// partitions are the ARN partitions (the SDK's partitions.json).
	partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
	// iamResourceTypes are the resource types an IAM ARN may start with.
	iamResourceTypes = []string{"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/", "server-certificate/",
		"policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/"}
	badVendor = lazyre.New(`[^a-zA-Z0-9\-.]`)
	sidChars  = lazyre.New(`^[0-9A-Za-z]*$`)
)

type statement map[string]any

func (s statement) has(k string) bool { _, ok := s[k]; return ok }

// hasList reports whether k is present and, if a list, not empty.
func (s statement) hasList(k string) bool {
	v, ok := s[k]
	if l, isList := v.([]any); isList {
		return len(l) > 0
	}
	return ok
}

// strings is k's value as a list, without nulls.
func (s statement) strings(k string) []string {
	switch v := s[k].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if e, ok := e.(string); ok {
				out = append(out, e)
			}
		}
		return out
	}
	return nil
}

type document struct {
	version    any
	statements []statement
}

var errSyntax = malformed("Syntax errors in policy.")

// parse reads a document and checks its syntax: the elements, and each
// element's JSON type.
func parse(doc string) (*document, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil || top == nil {
		return nil, errSyntax
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errSyntax
	}
	for k := range top {
		if !slices.Contains(topElements, k) {
			return nil, errSyntax
		}
	}
	d := &document{version: top["Version"]}
	if v, ok := top["Version"]; ok && v != "2008-10-17" && v != "2012-10-17" {
		return nil, errSyntax
	}
	if id, ok := top["Id"]; ok {
		if _, isString := id.(string); !isString {
			return nil, errSyntax
		}
	}
	switch st := top["Statement"].(type) {
	case map[string]any:
		d.statements = append(d.statements, st)
	case []any:
		for _, e := range st {
			s, ok := e.(map[string]any)
			if !ok {
				return nil, errSyntax
			}
			d.statements = append(d.statements, s)
		}
	}
	if len(d.statements) == 0 {
		return nil, errSyntax
	}
	for _, s := range d.statements {
		if !statementSyntax(s) {
			return nil, errSyntax
		}
	}
	return d, nil
}

func statementSyntax(s statement) bool {
	for k := range s {
		if !slices.Contains(statementElements, k) {
			return false
		}
	}
	if s.has("Action") && s.has("NotAction") || s.has("Resource") && s.has("NotResource") {
		return false
	}
	effect, ok := s["Effect"].(string)
	if !ok || !strings.EqualFold(effect, "Allow") && !strings.EqualFold(effect, "Deny") {
		return false
	}
	for _, k := range []string{"Action", "NotAction", "Resource", "NotResource"} {
		if !stringsOrNulls(s, k) {
			return false
		}
	}
	if sid, ok := s["Sid"]; ok {
		if _, isString := sid.(string); !isString {
			return false
		}
	}
	for _, k := range []string{"Principal", "NotPrincipal"} {
		switch s[k].(type) {
		case nil, string, map[string]any:
		default:
			return false
		}
	}
	return conditionSyntax(s)
}

// stringsOrNulls reports whether k is absent, a string, or a list of strings
// (and nulls, which IAM skips).
func stringsOrNulls(s statement, k string) bool {
	switch v := s[k].(type) {
	case nil:
		return !s.has(k)
	case string:
		return true
	case []any:
		for _, e := range v {
			switch e.(type) {
			case nil, string:
			default:
				return false
			}
		}
		return true
	}
	return false
}

// conditionSyntax checks a Condition block: an object of operators, each an
// object of keys to a value or a list of values. An unknown operator is
// tolerated only with an empty block.
func conditionSyntax(s statement) bool {
	c, ok := s["Condition"]
	if !ok {
		return true
	}
	ops, ok := c.(map[string]any)
	if !ok {
		return false
	}
	for op, block := range ops {
		keys, ok := block.(map[string]any)
		if !ok {
			return false
		}
		for _, v := range keys {
			switch v.(type) {
			case string, bool, json.Number, []any:
			default:
				return false
			}
		}
		if !slices.Contains(conditionOperators, baseOperator(op)) && len(keys) > 0 {
			return false
		}
	}
	return true
}

// baseOperator strips a set prefix and the IfExists suffix from an operator.
func baseOperator(op string) string {
	for _, p := range []string{"ForAnyValue:", "ForAllValues:"} {
		if rest, ok := strings.CutPrefix(op, p); ok {
			op = rest
			break
		}
	}
	return strings.TrimSuffix(op, "IfExists")
}

// validate runs the stages after syntax.
func (d *document) validate() error {
	if d.version != "2012-10-17" {
		return malformed("Policy document must be version 2012-10-17 or greater.")
	}
	resourceErr, legacy := d.legacyParse()
	if !legacy {
		return malformed("The policy failed legacy parsing")
	}
	seen := map[string]bool{}
	for _, s := range d.statements {
		if sid, _ := s["Sid"].(string); sid != "" {
			if seen[sid] {
				return malformed("Statement IDs (SID) in a single policy must be unique.")
			}
			seen[sid] = true
		}
	}
	for _, s := range d.statements {
		if !s.hasList("Action") && !s.hasList("NotAction") {
			return malformed("Policy statement must contain actions.")
		}
	}
	if resourceErr != nil {
		return resourceErr
	}
	for _, s := range d.statements {
		for _, k := range []string{"Action", "NotAction"} {
			for _, a := range s.strings(k) {
				if err := actionPrefix(a); err != nil {
					return err
				}
			}
		}
	}
	for _, s := range d.statements {
		if sid, _ := s["Sid"].(string); !sidChars.MatchString(sid) {
			return malformed("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
		}
	}
	return nil
}

// legacyParse is IAM's older parser: Effect is case-sensitive, dates in
// conditions must parse, and resources must split into an ARN's parts. It
// also finds the first resource that is not an ARN, an error IAM reports
// only after SIDs and actions.
func (d *document) legacyParse() (resourceErr error, ok bool) {
	for _, s := range d.statements {
		if e := s["Effect"]; e != "Allow" && e != "Deny" {
			return nil, false
		}
		ops, _ := s["Condition"].(map[string]any)
		for op, block := range ops {
			if !strings.HasPrefix(baseOperator(op), "Date") {
				continue
			}
			for _, v := range block.(map[string]any) {
				vals := []any{v}
				if l, isList := v.([]any); isList {
					vals = l
				}
				for _, e := range vals {
					if e, isString := e.(string); isString && !legacyDate(e) {
						return nil, false
					}
				}
			}
		}
	}
	for _, s := range d.statements {
		for _, k := range []string{"Resource", "NotResource"} {
			rs := s.strings(k)
			if len(rs) == 0 {
				continue
			}
			// IAM reports the last fault in reverse-sorted order.
			sorted := slices.Clone(rs)
			sort.Sort(sort.Reverse(sort.StringSlice(sorted)))
			for _, r := range sorted {
				if err := resourceFormat(r); err != nil {
					resourceErr = err
				}
			}
			if resourceErr == nil {
				for _, r := range rs {
					if r == "*" {
						continue
					}
					parts := strings.Split(r, ":")
					if strings.Count(r, ":") < 5 && strings.Contains(r, "::") || len(parts) < 3 || parts[2] == "" {
						return nil, false
					}
				}
			}
		}
	}
	return resourceErr, true
}

// resourceFormat checks that a resource is "*" or an ARN of a known partition
// with a service, and IAM's and S3's own rules on regions and IAM's resource
// types.
func resourceFormat(r string) error {
	if r == "*" {
		return nil
	}
	_, rest, found := strings.Cut(r, ":")
	if !found {
		return malformed("Resource %s must be in ARN format or \"*\".", r)
	}
	partition, rest, found := strings.Cut(rest, ":")
	if partition != "*" && !slices.Contains(partitions, partition) {
		// IAM shows the resource as a full ARN, "*" for the parts missing.
		p := strings.Split(rest, ":")
		shown := []string{"*", "*", "*", "*"}
		for i := range min(len(p), 3) {
			shown[i] = p[i]
		}
		if len(p) > 3 {
			shown[3] = strings.Join(p[3:], ":")
		}
		if len(p) == 1 && p[0] == "" {
			shown[0] = "*"
		}
		return malformed("Partition \"%s\" is not valid for resource \"arn:%s:%s\".", partition, partition, strings.Join(shown, ":"))
	}
	if !found {
		return malformed("Resource vendor must be fully qualified and cannot contain regexes.")
	}
	service, region, _ := strings.Cut(rest, ":")
	_, afterRegion, _ := strings.Cut(region, ":")
	_, id, _ := strings.Cut(afterRegion, ":")
	switch {
	case service == "iam" && !strings.HasPrefix(region, ":"):
		return malformed("IAM resource %s cannot contain region information.", r)
	case service == "s3" && !strings.HasPrefix(region, ":") && !strings.HasPrefix(id, "accesspoint/"):
		return malformed("Resource %s can not contain region information.", r)
	case service == "iam" && !hasAnyPrefix(id, iamResourceTypes):
		return malformed("IAM resource path must either be \"*\" or start with %s.", strings.Join(iamResourceTypes, ", "))
	}
	return nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}

func actionPrefix(a string) error {
	parts := strings.Split(a, ":")
	switch {
	case len(parts) == 1 && parts[0] != "*":
		return malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	case len(parts) > 2:
		return malformed("Actions/Condition can contain only one colon.")
	case parts[0] != "*" && badVendor.MatchString(parts[0]):
		return malformed("Vendor %s is not valid", parts[0])
	}
	return nil
}

// legacyDate reports whether a date condition value parses: an ISO 8601 date
// and time, or epoch seconds.
func legacyDate(v string) bool {
	v = strings.ToLower(v)
	if !strings.Contains(v, "t") && !strings.Contains(v, "-") {
		n, err := strconv.ParseUint(v, 10, 64)
		return err == nil && n <= 1<<63-1
	}
	date, clock, _ := strings.Cut(v, "t")
	neg := strings.HasPrefix(date, "-")
	dp := strings.Split(strings.TrimPrefix(date, "-"), "-")
	if neg {
		dp[0] = "-" + dp[0]
	}
	if len(dp) > 3 || !inRange(dp[0], -292275054, 292278993) ||
		len(dp) > 1 && !inRange(dp[1], 1, 12) || len(dp) > 2 && !inRange(dp[2], 1, 31) {
		return false
	}
	tp := strings.Split(clock, ":")
	if tp[0] != "" && !inRange(tp[0], 0, 23) || len(tp) > 1 && !inRange(tp[1], 0, 59) {
		return false
	}
	if len(tp) < 3 {
		return true
	}
	secs := tp[2]
	if s, zone, ok := strings.Cut(tp[2], "z"); ok {
		if zone != "" {
			return false
		}
		secs = s
	} else if s, zone, ok := strings.Cut(tp[2], "+"); ok {
		secs = s
		h, m, hasMinutes := strings.Cut(zone, ":")
		if len(h) != 2 || !inRange(h, 0, 23) || hasMinutes && (len(m) != 2 || !inRange(m, 0, 59)) {
			return false
		}
	}
	whole, frac, hasFrac := strings.Cut(secs, ".")
	return inRange(whole, 0, 59) && (!hasFrac || inRange(frac, 0, 999999999))
}

func inRange(s string, lo, hi int64) bool {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return err == nil && n >= lo && n <= hi
}
