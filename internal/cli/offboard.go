package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/audit"
	"github.com/keyless-dev/keyless/internal/cleanup"
	"github.com/keyless-dev/keyless/internal/config"
	"github.com/keyless-dev/keyless/internal/elevation"
	ic "github.com/keyless-dev/keyless/internal/identitycenter"
	"github.com/keyless-dev/keyless/internal/offboard"
	"github.com/keyless-dev/keyless/internal/plan"
	"github.com/keyless-dev/keyless/internal/plural"
	"github.com/keyless-dev/keyless/internal/safefile"
)

type offboardOptions struct {
	aws  awsOptions
	file string
	yes  bool
	json bool
	// now is the clock of the cut; tests set it.
	now func() time.Time
}

func newOffboardCommand(g *globalOptions) *cobra.Command {
	o := &offboardOptions{now: time.Now}
	cmd := &cobra.Command{
		Use:   "offboard EMAIL",
		Short: "Take a person's AWS access away: keyless.yaml, Identity Center, grants and live sessions",
		Long: `Take one person (by email or user name) out of AWS. Without --yes it only
prints what it would do. With --yes, in this order:

  1. keyless.yaml: remove their users: entry, their names in super_admins,
     power_users and readonly_users, in groups' members, in assignments'
     users (an assignment left with no one goes), in elevation's revokers
     and its rules' eligible, approvers and self_approval. Comments and
     order stay; the file before is kept as FILE.bak.
  2. Identity Center: apply that change, as keyless apply does. Their user,
     memberships and assignments are deleted even without --prune; other
     deletions wait for prune as usual.
  3. Elevation: end their grants (assignment, expiry and cut schedules,
     grant items), when the account has the keyless-elevation table.
  4. Live sessions: on every permission set keyless manages that they held
     (directly or through a group), a Deny for their identitystore:userId on
     sessions issued before now, provisioned to its accounts. It lapses by
     itself after the set's session duration; apply keeps it until then.
  5. IAM users and access keys still tied to them (email tag, user name, the
     email or its part before @, a tag whose value is their email) are
     listed, never deleted: 'keyless cleanup' retires them.

It refuses to offboard the caller and the last person with AdministratorAccess
in the management account. With --yes on a terminal it asks you to type their
user name; without a terminal --yes acts. Every step is appended to
~/.aws/keyless/audit.log. docs/offboarding.md has the details.

Exit codes: 0 success (dry run included), 1 error, 64 usage error.`,
		Example: `  keyless offboard jane@example.com          # dry run: what and why
  keyless offboard jane@example.com --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOffboard(cmd.Context(), g, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", "keyless.yaml", "the configuration `FILE`")
	f.BoolVarP(&o.yes, "yes", "y", false, "act (on a terminal, after typing the user name)")
	f.BoolVar(&o.json, "json", false, "print what it does (or would do) as JSON on stdout")
	o.aws.addFlags(f)
	return cmd
}

// offboardRun is what the dry run found and --yes carries out.
type offboardRun struct {
	person  offboard.Person
	edit    *offboard.Edit
	plan    *plan.Plan
	held    []offboard.Held
	grants  []elevation.Grant
	tied    []offboard.TiedUser
	notes   []string
	clients *ic.Clients
	elev    elevation.OffboardClients
	// elevation is set when keyless.yaml has an elevation: section: apply
	// recompiles its catalog and machines, as keyless apply would.
	elevation *elevationRun
	state     *ic.State
}

func runOffboard(ctx context.Context, g *globalOptions, o *offboardOptions, who string) error {
	unlock, err := lockApply(ctx, g)
	if err != nil {
		return err
	}
	defer unlock()
	src, err := os.ReadFile(o.file)
	if err != nil {
		return withHint(fmt.Errorf("read %s: %w", o.file, err), "pass the keyless.yaml to edit with -f FILE")
	}
	fi, err := os.Stat(o.file)
	if err != nil {
		return err
	}
	cfg, err := config.Parse(o.file, src)
	if err != nil {
		return err
	}
	clients, awsCfg, err := o.aws.clients(ctx, cfg.Region, "")
	if err != nil {
		return err
	}
	stop := busy(g.streams.Err, "reading Identity Center")
	readOpts := ic.ReadOptions{InstanceARN: cfg.InstanceARN, AccountTags: cfg.UsesAccountTags(), Log: g.Log(), Now: o.now}
	st, err := ic.Read(ctx, clients, readOpts)
	stop()
	if err != nil {
		return fmt.Errorf("read Identity Center: %w", err)
	}
	r, err := planOffboard(ctx, cfg, st, clients, awsCfg, src, who)
	if err != nil {
		return err
	}
	if r.elevation != nil {
		r.elevation.reread = func(ctx context.Context) (*ic.State, error) { return ic.Read(ctx, clients, readOpts) }
		stop := busy(g.streams.Err, "reading the elevation home account")
		r.plan.Elevation, err = r.elevation.plan(ctx, st)
		stop()
		if err != nil {
			return err
		}
	}
	r.clients, r.state = clients, st
	r.elev = elevation.OffboardClients{DynamoDB: dynamodb.NewFromConfig(awsCfg), Scheduler: scheduler.NewFromConfig(awsCfg), SSOAdmin: clients.SSOAdmin}
	if r.person.UserID != "" {
		switch r.grants, err = elevation.Grants(ctx, r.elev, st.InstanceARN, r.person.UserID); {
		case errors.Is(err, elevation.ErrNoTable):
			r.notes = append(r.notes, fmt.Sprintf("elevation: no %s table in account %s, so no grants to end", elevation.TableName, st.Caller.AccountID))
		case err != nil:
			r.notes = append(r.notes, fmt.Sprintf("elevation: the grants could not be read (%v): end them with 'keyless revoke' once you can", err))
		}
	}
	acct, err := audit.Collect(ctx, audit.Clients{IAM: iam.NewFromConfig(awsCfg), STS: sts.NewFromConfig(awsCfg), Organizations: organizations.NewFromConfig(awsCfg)}, audit.CollectOptions{})
	if err != nil {
		r.notes = append(r.notes, fmt.Sprintf("IAM users could not be read (%v): run 'keyless audit' to find keys tied to them", err))
	} else {
		r.tied = offboard.TiedUsers(acct, st.Users, r.person)
		for _, gap := range acct.Gaps {
			r.notes = append(r.notes, fmt.Sprintf("IAM: %s refused or failed (%s): users it would show may be missing below", gap.Action, gap.Err))
		}
	}

	out := g.streams.Out
	if !o.json {
		printOffboard(out, o.file, r, colorOK(out))
	}
	if !o.yes {
		if o.json {
			if err := writeJSON(out, offboardReport(o.file, r, false)); err != nil {
				return err
			}
		}
		fmt.Fprintf(g.streams.Err, "\nDry run: nothing changed. Run 'keyless offboard %s --yes' to do it.\n", who)
		return nil
	}
	if isTerminal(g.streams.In) {
		fmt.Fprintf(g.streams.Err, "\nThis takes %s's access away. Type their user name to go ahead: ", r.person.UserName)
		line, err := bufio.NewReader(g.streams.In).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read answer: %w", err)
		}
		if !strings.EqualFold(strings.TrimSpace(line), r.person.UserName) {
			return withHint(fmt.Errorf("that is not %s: nothing changed", r.person.UserName), "run keyless offboard again and type "+r.person.UserName)
		}
	}
	home, _ := os.UserHomeDir()
	log := &cleanup.AuditLog{}
	if home != "" {
		log.Path = filepath.Join(home, ".aws", "keyless", "audit.log")
	}
	if err := actOffboard(ctx, g, o, r, fi.Mode().Perm(), log); err != nil {
		return err
	}
	if o.json {
		return writeJSON(out, offboardReport(o.file, r, true))
	}
	fmt.Fprintf(out, "Offboarded %s.\n", r.person.UserName)
	return nil
}

// offboardJSON is --json's output.
type offboardJSON struct {
	Person struct {
		UserID   string `json:"user_id,omitempty"`
		UserName string `json:"user_name"`
		Email    string `json:"email,omitempty"`
	} `json:"person"`
	File        string           `json:"file"`
	Removals    []config.Removal `json:"file_removals"`
	Changes     []ic.Change      `json:"identity_center_changes"`
	Grants      []offboardGrant  `json:"grants"`
	Cuts        []offboardCut    `json:"session_cuts"`
	TiedIAMUser []offboardTied   `json:"tied_iam_users"`
	Notes       []string         `json:"notes,omitempty"`
	// Done is false for a dry run.
	Done bool `json:"done"`
}

type offboardGrant struct {
	PermissionSet string    `json:"permission_set"`
	Account       string    `json:"account"`
	Until         time.Time `json:"until"`
}

type offboardCut struct {
	PermissionSet string   `json:"permission_set"`
	Accounts      []string `json:"accounts"`
	Via           []string `json:"via"`
	// Managed is false for a set keyless does not manage: not cut.
	Managed bool `json:"managed"`
}

type offboardTied struct {
	Name       string              `json:"name"`
	By         string              `json:"by"`
	AccessKeys []offboardAccessKey `json:"access_keys"`
}

type offboardAccessKey struct {
	ID       string     `json:"id"`
	Status   string     `json:"status"`
	Created  time.Time  `json:"created"`
	LastUsed *time.Time `json:"last_used,omitempty"`
}

func offboardReport(file string, r *offboardRun, done bool) offboardJSON {
	var j offboardJSON
	j.Person.UserID, j.Person.UserName, j.Person.Email = r.person.UserID, r.person.UserName, r.person.Email
	j.File, j.Removals, j.Changes, j.Notes, j.Done = file, r.edit.Removals, r.plan.Changes, r.notes, done
	j.Grants, j.Cuts, j.TiedIAMUser = []offboardGrant{}, []offboardCut{}, []offboardTied{}
	for _, gr := range r.grants {
		j.Grants = append(j.Grants, offboardGrant{PermissionSet: setName(r, gr.PermissionSetARN), Account: gr.AccountID, Until: gr.Until})
	}
	for _, h := range r.held {
		j.Cuts = append(j.Cuts, offboardCut{PermissionSet: h.Name, Accounts: h.Accounts, Via: h.Via, Managed: h.Owned})
	}
	for _, u := range r.tied {
		t := offboardTied{Name: u.Name, By: u.By, AccessKeys: []offboardAccessKey{}}
		for _, k := range u.AccessKeys {
			t.AccessKeys = append(t.AccessKeys, offboardAccessKey{ID: k.ID, Status: k.Status, Created: k.Created, LastUsed: k.LastUsed})
		}
		j.TiedIAMUser = append(j.TiedIAMUser, t)
	}
	return j
}

// planOffboard finds the person, refuses what would lock the owner out,
// edits the file in memory and plans Identity Center from it, with what
// its elevation: section asks of Identity Center, as plan does (else the
// KeylessElevation set and the grants in force would look unwanted).
func planOffboard(ctx context.Context, cfg *config.Config, st *ic.State, clients *ic.Clients, awsCfg aws.Config, src []byte, who string) (*offboardRun, error) {
	p, err := offboard.Find(cfg, st, who)
	if err != nil {
		return nil, err
	}
	if err := offboard.Refuse(st, p); err != nil {
		return nil, err
	}
	r := &offboardRun{person: p}
	if r.edit, err = offboard.EditFile(cfg.File, src, p); err != nil {
		return nil, err
	}
	d, err := r.edit.Config.Desired(st)
	if err != nil {
		return nil, err
	}
	if r.edit.Config.Elevation != nil {
		if r.elevation, err = prepareElevation(ctx, r.edit.Config, st, clients, awsCfg, defaultOrgRole, d); err != nil {
			return nil, err
		}
	}
	d.PruneAlso = p.Concerns
	if r.plan, err = plan.Compute(d, st); err != nil {
		return nil, err
	}
	if p.UserID != "" {
		r.held = offboard.HeldSets(st, p.UserID)
	}
	switch {
	case p.UserID == "":
		r.notes = append(r.notes, "Identity Center has no user "+p.UserName+": nothing to end there")
	case p.External:
		r.notes = append(r.notes, "their user comes from your identity provider (SCIM): disable them there too, or they can sign in again")
	case !p.Owned:
		r.notes = append(r.notes, "keyless does not manage their Identity Center user, so it stays: disable or delete it in the console")
	}
	return r, nil
}

func printOffboard(w io.Writer, file string, r *offboardRun, color bool) {
	p := r.person
	id := p.UserID
	if id == "" {
		id = "not in Identity Center"
	}
	fmt.Fprintf(w, "Offboarding %s (%s, user id %s)\n", p.UserName, p.DisplayName, id)

	fmt.Fprintf(w, "\n1. %s (the file before is kept as %s.bak):\n", file, file)
	if len(r.edit.Removals) == 0 {
		fmt.Fprintln(w, "   no change: the file does not name them")
	}
	for _, rm := range r.edit.Removals {
		fmt.Fprintf(w, "   - line %d: %s: %s\n", rm.Line, rm.Path, rm.What)
	}

	fmt.Fprintln(w, "\n2. Identity Center:")
	if r.plan.Empty() {
		fmt.Fprintln(w, "   no changes")
	} else {
		var b strings.Builder
		r.plan.Render(&b, color)
		for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
			fmt.Fprintln(w, strings.TrimRight("   "+l, " "))
		}
	}

	fmt.Fprintln(w, "\n3. Elevation grants to end:")
	if len(r.grants) == 0 {
		fmt.Fprintln(w, "   none")
	}
	for _, gr := range r.grants {
		fmt.Fprintf(w, "   - %s in %s, until %s\n", setName(r, gr.PermissionSetARN), gr.AccountID, gr.Until.Format(time.RFC3339))
	}

	fmt.Fprintln(w, "\n4. Live sessions to cut (refused if issued before the cut, for the set's session duration):")
	if len(r.held) == 0 {
		fmt.Fprintln(w, "   none: they hold no permission set")
	}
	for _, h := range r.held {
		if h.Owned {
			fmt.Fprintf(w, "   - %s in %s (%s)\n", h.Name, strings.Join(h.Accounts, ", "), strings.Join(h.Via, ", "))
		} else {
			fmt.Fprintf(w, "   ! %s in %s: keyless does not manage it, so its sessions are not cut: add the Deny in docs/offboarding.md by hand\n", h.Name, strings.Join(h.Accounts, ", "))
		}
	}

	fmt.Fprintf(w, "\n5. IAM users still tied to them (not deleted here: review them with 'keyless cleanup'):\n")
	if len(r.tied) == 0 {
		fmt.Fprintln(w, "   none found in this account")
	}
	for _, u := range r.tied {
		fmt.Fprintf(w, "   - %s (by %s)\n", u.Name, u.By)
		for _, k := range u.AccessKeys {
			used := "never used"
			if k.LastUsed != nil {
				used = "last used " + k.LastUsed.UTC().Format(time.RFC3339)
				if k.LastUsedService != "" {
					used += " (" + k.LastUsedService + ")"
				}
			}
			fmt.Fprintf(w, "     key %s %s, created %s, %s\n", k.ID, k.Status, k.Created.UTC().Format("2006-01-02"), used)
		}
	}
	for _, n := range r.notes {
		fmt.Fprintf(w, "\nnote: %s\n", n)
	}
}

func setName(r *offboardRun, arn string) string {
	for _, ps := range r.state.PermissionSets {
		if ps.ARN == arn {
			return ps.Name
		}
	}
	return arn
}

// actOffboard carries out the steps, each logged.
func actOffboard(ctx context.Context, g *globalOptions, o *offboardOptions, r *offboardRun, perm os.FileMode, log *cleanup.AuditLog) error {
	p := r.person
	record := func(action, target, result, detail string) {
		if err := log.Append(cleanup.Record{Time: o.now().UTC(), Account: r.state.Caller.AccountID, Caller: r.state.Caller.ARN,
			Action: "offboard " + action, Target: target, Result: result, Detail: detail}); err != nil {
			fmt.Fprintf(g.streams.Err, "keyless: warning: %v\n", err)
		}
	}
	fail := func(action, target string, err error, hint string) error {
		record(action, target, "failed", err.Error())
		return withHint(fmt.Errorf("offboard %s: %s: %w", p.UserName, action, err), hint)
	}
	again := "fix the cause and run 'keyless offboard " + p.UserName + " --yes' again: it continues from where AWS and the file are"
	w := g.streams.Err

	if len(r.edit.Removals) > 0 {
		if err := safefile.Write(o.file+".bak", r.edit.Before, perm); err != nil {
			return fail("edit file", o.file, fmt.Errorf("keep %s.bak: %w", o.file, err), again)
		}
		if err := safefile.Write(o.file, r.edit.After, perm); err != nil {
			return fail("edit file", o.file, err, again)
		}
		record("edit file", o.file, "done", fmt.Sprintf("%s; before: %s.bak", plural.Count(len(r.edit.Removals), "removal", "removals"), o.file))
		fmt.Fprintf(w, "Edited %s (the file before is %s.bak).\n", o.file, o.file)
	}
	if !r.plan.Empty() {
		if err := applyPlan(ctx, g, r.plan, &planRun{clients: r.clients, state: r.state, elevation: r.elevation}, w); err != nil {
			return fail("apply", o.file, err, again)
		}
		record("apply", o.file, "done", plural.Count(len(r.plan.Changes), "change", "changes"))
	}
	for _, gr := range r.grants {
		target := setName(r, gr.PermissionSetARN) + "@" + gr.AccountID
		if err := elevation.EndGrant(ctx, r.elev, r.state.InstanceARN, gr, time.Second); err != nil {
			return fail("end grant", target, err, again)
		}
		record("end grant", target, "done", "")
		fmt.Fprintf(w, "Ended the grant of %s.\n", target)
	}
	// The cut comes after the assignments are gone, so no session can be
	// issued after it.
	at := ic.CutTime(o.now())
	a := &ic.Applier{C: r.clients, Log: g.Log(), Now: o.now}
	for _, h := range r.held {
		if !h.Owned {
			record("cut sessions", h.Name, "manual", "keyless does not manage the permission set")
			continue
		}
		res, err := a.CutSessions(ctx, ic.Cut{InstanceARN: r.state.InstanceARN, PermissionSetARN: h.ARN, UserID: p.UserID, At: at}, o.now)
		if err != nil {
			var big *ic.PolicyTooLargeError
			if errors.As(err, &big) {
				return fail("cut sessions", h.Name, err, big.Hint())
			}
			return fail("cut sessions", h.Name, err, again)
		}
		record("cut sessions", h.Name, "done", fmt.Sprintf("%s until %s in %s", res.Sid, res.Until.Format(time.RFC3339), strings.Join(res.Accounts, ", ")))
		fmt.Fprintf(w, "Cut %s's sessions of %s issued before %s (in force until %s).\n", p.UserName, h.Name, at.Format(time.RFC3339), res.Until.Format(time.RFC3339))
	}
	if len(r.tied) > 0 {
		fmt.Fprintf(w, "%s still tied to %s: review %s with 'keyless cleanup'.\n", plural.Count(len(r.tied), "IAM user is", "IAM users are"), p.UserName, plural.Of(len(r.tied), "it", "them"))
	}
	return nil
}
