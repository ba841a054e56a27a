package identitycenter

// Applying changes to permission sets: create, update (description,
// session, policies, boundary, tags), provision and delete.

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/keyless-dev/keyless/internal/plural"
)

func ownerTags(tags map[string]string) map[string]string {
	out := maps.Clone(tags)
	if out == nil {
		out = map[string]string{}
	}
	out[OwnerTagKey] = OwnerTagValue
	return out
}

func ssoTags(m map[string]string) []ssotypes.Tag {
	var out []ssotypes.Tag
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, ssotypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func sessionOf(p *PermissionSet) string {
	if p.SessionDuration == "" {
		return defaultSessionDuration
	}
	return p.SessionDuration
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func (r *run) createPermissionSet(ctx context.Context, ch Change) error {
	w := ch.WantPermissionSet
	if w == nil {
		return missing(ch)
	}
	tags := ownerTags(w.Tags)
	desc := MarkDescription(UnmarkDescription(w.Description))
	out, err := r.a.C.SSOAdmin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: r.inst, Name: aws.String(w.Name),
		Description: aws.String(desc), SessionDuration: aws.String(sessionOf(w)), RelayState: optional(w.RelayState), Tags: ssoTags(tags)})
	if isAlreadyConflict(err) {
		// Created by an earlier, interrupted apply, or by someone else meanwhile.
		have, ferr := r.findPermissionSet(ctx, w.Name)
		if ferr != nil {
			return fmt.Errorf("create permission set: %w; then: %w", err, ferr)
		}
		if !have.Owned() {
			return fmt.Errorf("permission set %s already exists and keyless does not own it: adopt it with keyless import, or leave it out of keyless.yaml", w.Name)
		}
		r.remember(r.sets, w.Name, have.ARN)
		reprovision, err := r.syncPermissionSet(ctx, have, w)
		if err != nil {
			return err
		}
		if reprovision && len(have.ProvisionedTo) > 0 {
			return r.provision(ctx, have)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("create permission set: %w", err)
	}
	arn := aws.ToString(out.PermissionSet.PermissionSetArn)
	r.remember(r.sets, w.Name, arn)
	// A new set is provisioned to accounts by its assignments: nothing to
	// provision yet.
	have := &PermissionSet{ARN: arn, Name: w.Name, Description: desc, SessionDuration: sessionOf(w), RelayState: w.RelayState, Tags: tags}
	_, err = r.syncPermissionSet(ctx, have, w)
	return err
}

// findPermissionSet reads the permission set of that name, listing them all
// (sso-admin cannot look one up by name).
func (r *run) findPermissionSet(ctx context.Context, name string) (*PermissionSet, error) {
	rd := &reader{c: r.a.C, st: r.st, log: r.log}
	p := ssoadmin.NewListPermissionSetsPaginator(r.a.C.SSOAdmin, &ssoadmin.ListPermissionSetsInput{InstanceArn: r.inst})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list permission sets: %w", err)
		}
		for _, arn := range out.PermissionSets {
			d, err := r.a.C.SSOAdmin.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: r.inst, PermissionSetArn: aws.String(arn)})
			if err != nil {
				return nil, fmt.Errorf("describe permission set %s: %w", arn, err)
			}
			if aws.ToString(d.PermissionSet.Name) == name {
				return rd.permissionSet(ctx, arn)
			}
		}
	}
	return nil, fmt.Errorf("permission set %s was reported to exist but is not listed; run apply again", name)
}

func (r *run) updatePermissionSet(ctx context.Context, ch Change) error {
	have, want := ch.HavePermissionSet, ch.WantPermissionSet
	if have == nil || want == nil {
		return missing(ch)
	}
	reprovision, err := r.syncPermissionSet(ctx, have, want)
	if err != nil {
		return err
	}
	if (reprovision || len(ch.Outdated) > 0) && len(have.ProvisionedTo) > 0 {
		return r.provision(ctx, have)
	}
	return nil
}

// provisionPermissionSet provisions an unchanged permission set whose roles
// are older than it.
func (r *run) provisionPermissionSet(ctx context.Context, ch Change) error {
	if ch.HavePermissionSet == nil {
		return missing(ch)
	}
	return r.provision(ctx, ch.HavePermissionSet)
}

// syncPermissionSet makes the permission set have what want asks, in place
// (its ARN, and so its roles, stay). It reports whether anything that
// reaches the accounts' roles changed, which then needs provisioning.
func (r *run) syncPermissionSet(ctx context.Context, have, want *PermissionSet) (reprovision bool, err error) {
	c := r.a.C.SSOAdmin
	arn := aws.String(have.ARN)

	desc, session := MarkDescription(UnmarkDescription(want.Description)), sessionOf(want)
	if desc != have.Description || session != have.SessionDuration || want.RelayState != have.RelayState {
		// All three are sent: moto nulls what is left out. AWS keeps an
		// omitted relay state, and refuses an empty one, so it cannot be
		// cleared here.
		if _, err := c.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn,
			Description: aws.String(desc), SessionDuration: aws.String(session), RelayState: optional(want.RelayState)}); err != nil {
			return false, fmt.Errorf("update permission set: %w", err)
		}
		// Any update, a description's too, leaves the permission set
		// outdated in every account until it is provisioned again.
		reprovision = true
	}

	attach, detach := diff(want.ManagedPolicies, have.ManagedPolicies)
	for _, p := range attach {
		_, err := c.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String(p)})
		if err != nil && !isAlreadyConflict(err) {
			return reprovision, fmt.Errorf("attach managed policy %s: %w", p, err)
		}
		reprovision = true
	}
	for _, p := range detach {
		_, err := c.DetachManagedPolicyFromPermissionSet(ctx, &ssoadmin.DetachManagedPolicyFromPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String(p)})
		if err != nil && !isNotFound(err) {
			return reprovision, fmt.Errorf("detach managed policy %s: %w", p, err)
		}
		reprovision = true
	}

	inline, err := CompactPolicy(want.InlinePolicy)
	if err != nil {
		return reprovision, fmt.Errorf("inline policy: %w; fix it in keyless.yaml", err)
	}
	if inline != have.InlinePolicy && strings.Contains(inline+have.InlinePolicy, CutSidPrefix) {
		// A session cut may have landed since the plan read the set (the
		// elevation end machine cuts on its own): keep the cuts in force
		// now, from the policy as it is now.
		cur, err := c.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn})
		if err != nil {
			return reprovision, fmt.Errorf("get the inline policy: %w", err)
		}
		now, _ := CompactPolicy(aws.ToString(cur.InlinePolicy))
		inline = KeepCuts(stripCuts(inline), now, r.now())
		have.InlinePolicy = now
	}
	if inline != have.InlinePolicy {
		if inline == "" {
			_, err = c.DeleteInlinePolicyFromPermissionSet(ctx, &ssoadmin.DeleteInlinePolicyFromPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn})
			if isNotFound(err) {
				err = nil
			}
		} else {
			_, err = c.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn, InlinePolicy: aws.String(inline)})
		}
		if err != nil {
			return reprovision, fmt.Errorf("set the inline policy: %w", err)
		}
		reprovision = true
	}

	addRefs, dropRefs := diffRefs(want.CustomerManaged, have.CustomerManaged)
	for _, p := range addRefs {
		_, err := c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{
			InstanceArn: r.inst, PermissionSetArn: arn, CustomerManagedPolicyReference: ssoRef(p)})
		if err != nil && !isAlreadyConflict(err) {
			return reprovision, fmt.Errorf("attach customer managed policy %s%s: %w", p.Path, p.Name, err)
		}
		reprovision = true
	}
	for _, p := range dropRefs {
		_, err := c.DetachCustomerManagedPolicyReferenceFromPermissionSet(ctx, &ssoadmin.DetachCustomerManagedPolicyReferenceFromPermissionSetInput{
			InstanceArn: r.inst, PermissionSetArn: arn, CustomerManagedPolicyReference: ssoRef(p)})
		if err != nil && !isNotFound(err) {
			return reprovision, fmt.Errorf("detach customer managed policy %s%s: %w", p.Path, p.Name, err)
		}
		reprovision = true
	}

	if !boundaryEqual(want.Boundary, have.Boundary) {
		if want.Boundary == nil {
			_, err = c.DeletePermissionsBoundaryFromPermissionSet(ctx, &ssoadmin.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn})
			if isNotFound(err) {
				err = nil
			}
		} else {
			b := &ssotypes.PermissionsBoundary{ManagedPolicyArn: optional(want.Boundary.ManagedPolicyARN)}
			if want.Boundary.CustomerManaged != nil {
				b.CustomerManagedPolicyReference = ssoRef(*want.Boundary.CustomerManaged)
			}
			_, err = c.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: r.inst, PermissionSetArn: arn, PermissionsBoundary: b})
		}
		if err != nil {
			return reprovision, fmt.Errorf("set the permissions boundary: %w", err)
		}
		reprovision = true
	}

	// Tags live on the permission set, not on the roles: no provisioning.
	// When they could not be read (moto has no sso-admin tag calls) they are
	// left alone.
	if !have.TagsUnknown {
		wantTags := ownerTags(want.Tags)
		add := map[string]string{}
		for k, v := range wantTags {
			if hv, ok := have.Tags[k]; !ok || hv != v {
				add[k] = v
			}
		}
		var drop []string
		for k := range have.Tags {
			if _, ok := wantTags[k]; !ok {
				drop = append(drop, k)
			}
		}
		sort.Strings(drop)
		if len(add) > 0 {
			if _, err := c.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: r.inst, ResourceArn: arn, Tags: ssoTags(add)}); err != nil {
				return reprovision, fmt.Errorf("tag permission set: %w", err)
			}
		}
		if len(drop) > 0 {
			if _, err := c.UntagResource(ctx, &ssoadmin.UntagResourceInput{InstanceArn: r.inst, ResourceArn: arn, TagKeys: drop}); err != nil {
				return reprovision, fmt.Errorf("untag permission set: %w", err)
			}
		}
	}
	return reprovision, nil
}

// provision pushes an updated permission set to every account it is
// provisioned to, once, and waits for the outcome.
func (r *run) provision(ctx context.Context, ps *PermissionSet) error {
	select {
	case r.provisioning <- struct{}{}:
		defer func() { <-r.provisioning }()
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := provisionAll(ctx, r.a.C.SSOAdmin, r.st.InstanceARN, ps.ARN, r.poll, r.log); err != nil {
		return fmt.Errorf("provision to its %s: %w", plural.Count(len(ps.ProvisionedTo), "account", "accounts"), err)
	}
	r.mu.Lock()
	r.res.Provisioned++
	r.mu.Unlock()
	return nil
}

// provisionAll provisions a permission set to every account it is
// provisioned to and polls every poll until AWS says it is done.
func provisionAll(ctx context.Context, c *ssoadmin.Client, inst, arn string, poll time.Duration, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	out, err := c.ProvisionPermissionSet(ctx, &ssoadmin.ProvisionPermissionSetInput{InstanceArn: aws.String(inst),
		PermissionSetArn: aws.String(arn), TargetType: ssotypes.ProvisionTargetTypeAllProvisionedAccounts})
	if err != nil {
		return err
	}
	st := out.PermissionSetProvisioningStatus
	if st == nil {
		return nil
	}
	status, reason, id := st.Status, aws.ToString(st.FailureReason), st.RequestId
	for status == ssotypes.StatusValuesInProgress {
		if err := sleepFor(ctx, poll); err != nil {
			return err
		}
		d, err := c.DescribePermissionSetProvisioningStatus(ctx, &ssoadmin.DescribePermissionSetProvisioningStatusInput{InstanceArn: aws.String(inst), ProvisionPermissionSetRequestId: id})
		if notImplemented(err) {
			// moto differs from AWS: provisioning finishes at once there and
			// the status call is not implemented (HTTP 500).
			log.Debug("provisioning status cannot be read here; taking provisioning as done", "permission_set", arn, "err", err)
			break
		}
		if err != nil {
			return fmt.Errorf("poll provisioning: %w", err)
		}
		status, reason = d.PermissionSetProvisioningStatus.Status, aws.ToString(d.PermissionSetProvisioningStatus.FailureReason)
	}
	if status == ssotypes.StatusValuesFailed {
		return fmt.Errorf("provisioning to its accounts failed: %s", reason)
	}
	return nil
}

func (r *run) deletePermissionSet(ctx context.Context, ch Change) error {
	if ch.HavePermissionSet == nil {
		return missing(ch)
	}
	_, err := r.a.C.SSOAdmin.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: r.inst, PermissionSetArn: aws.String(ch.HavePermissionSet.ARN)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete permission set: %w", err)
	}
	return nil
}

// Differences.

// diff returns what is in want and not in have, and the reverse, sorted.
func diff(want, have []string) (add, drop []string) {
	for _, w := range want {
		if !slices.Contains(have, w) && !slices.Contains(add, w) {
			add = append(add, w)
		}
	}
	for _, h := range have {
		if !slices.Contains(want, h) && !slices.Contains(drop, h) {
			drop = append(drop, h)
		}
	}
	slices.Sort(add)
	slices.Sort(drop)
	return add, drop
}

func normRef(p PolicyRef) PolicyRef {
	if p.Path == "" {
		p.Path = "/"
	}
	return p
}

func diffRefs(want, have []PolicyRef) (add, drop []PolicyRef) {
	norm := func(in []PolicyRef) []PolicyRef {
		out := make([]PolicyRef, len(in))
		for i, p := range in {
			out[i] = normRef(p)
		}
		return out
	}
	w, h := norm(want), norm(have)
	for _, p := range w {
		if !slices.Contains(h, p) && !slices.Contains(add, p) {
			add = append(add, p)
		}
	}
	for _, p := range h {
		if !slices.Contains(w, p) && !slices.Contains(drop, p) {
			drop = append(drop, p)
		}
	}
	slices.SortFunc(add, comparePolicyRef)
	slices.SortFunc(drop, comparePolicyRef)
	return add, drop
}

func ssoRef(p PolicyRef) *ssotypes.CustomerManagedPolicyReference {
	p = normRef(p)
	return &ssotypes.CustomerManagedPolicyReference{Name: aws.String(p.Name), Path: aws.String(p.Path)}
}

func boundaryEqual(a, b *Boundary) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.ManagedPolicyARN != b.ManagedPolicyARN {
		return false
	}
	if a.CustomerManaged == nil || b.CustomerManaged == nil {
		return a.CustomerManaged == b.CustomerManaged
	}
	return normRef(*a.CustomerManaged) == normRef(*b.CustomerManaged)
}
