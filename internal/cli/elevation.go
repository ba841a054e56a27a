package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/keyless-dev/keyless/internal/elevation"
	"github.com/keyless-dev/keyless/internal/shell"
)

const elevationHelp = `Elevation commands act as you, with your ` + elevation.PermissionSetName + ` role in the
elevation home account (keyless profiles sync writes its profile). Who may
request, approve and revoke is decided inside AWS: docs/elevation.md.`

type requestOptions struct {
	elevOptions
	json     bool
	duration time.Duration
	reason   string
	ticket   string
	rule     string
}

func newRequestCommand(g *globalOptions) *cobra.Command {
	o := &requestOptions{}
	cmd := &cobra.Command{
		Use:   "request [SET@ACCOUNT] --for DURATION --reason TEXT",
		Short: "Ask for a permission set in an account for a while, for an approver to approve",
		Long: `Ask for a permission set in an account (id or name) for a while. An
approver runs 'keyless approve ID'; AWS then assigns you the set until the
time is up and removes it by itself, whether or not keyless runs anywhere.

With no SET@ACCOUNT on a terminal, keyless offers what the rules let you
request. The request is checked against the rules first: an unknown set or
account, a duration above the rule's maximum, a set you are not eligible for,
or a missing reason or ticket writes nothing.

A request drops the role's credentials cached in ~/.aws/cli/cache: an
earlier grant's end refused them, and the grant this request may bring
must not get them.

` + elevationHelp,
		Example: `  keyless request AdministratorAccess@prod --for 2h --reason "incident 4711"
  keyless request --for 30m --reason "rotate the KMS key" --ticket OPS-12`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("for") && o.duration <= 0 {
				return usageErrorf("--for %s: give a positive duration, e.g. 2h", cmd.Flags().Lookup("for").Value)
			}
			return runRequest(cmd.Context(), g, o, args)
		},
	}
	f := cmd.Flags()
	f.DurationVar(&o.duration, "for", 0, "how long: a `DURATION` such as 30m or 2h (at most the rule's maximum)")
	f.StringVar(&o.reason, "reason", "", "`TEXT` saying why you need it (shown to approvers)")
	f.StringVar(&o.ticket, "ticket", "", "a `TICKET` reference, e.g. OPS-123")
	f.StringVar(&o.rule, "rule", "", "the `RULE` to request under, when several offer the set in the account")
	f.BoolVar(&o.json, "json", false, "print the request as JSON (default: its id)")
	o.addFlags(f)
	return cmd
}

func runRequest(ctx context.Context, g *globalOptions, o *requestOptions, args []string) error {
	c, err := elevationClient(ctx, g, &o.elevOptions)
	if err != nil {
		return err
	}
	ask := elevation.Ask{Rule: o.rule, Duration: o.duration, Reason: o.reason, Ticket: o.ticket}
	tty := isTerminal(g.streams.In) && isTerminal(g.streams.Err)
	if len(args) == 1 {
		set, account, ok := strings.Cut(args[0], "@")
		if !ok || set == "" || account == "" {
			return usageErrorf("SET@ACCOUNT: %q names no account: write the permission set, @ and the account id or name, e.g. AdministratorAccess@prod", args[0])
		}
		ask.PermissionSet, ask.Account = set, account
	} else {
		if !tty {
			return usageErrorf("name SET@ACCOUNT (the picker needs a terminal)\nhint: keyless requests --rules lists what you may request")
		}
		choice, err := pickChoice(g, c)
		if err != nil {
			return err
		}
		ask.PermissionSet, ask.Account, ask.Rule = choice.Rule.PermissionSet, choice.Account, choice.Rule.Name
	}
	if err := askMissing(ctx, g, c, &ask, tty); err != nil {
		return err
	}
	r, err := c.Request(ctx, ask)
	if err != nil {
		return elevationError(err)
	}
	// Credentials of this role cached under an earlier grant are refused
	// since its end: the grant this request may bring must not get them.
	forgetElevatedCredentials(ctx, g, cachedRole{account: r.Account, set: r.PermissionSet})
	fmt.Fprintf(g.streams.Err, "Requested %s for %s under rule %s.\n", target(c, r), elevation.FormatDuration(r.Seconds), r.Rule)
	if rule, ok := c.Catalog.Rule(r.Rule); ok && c.Catalog.MayApprove(rule, c.Me(), c.Me()) {
		fmt.Fprintf(g.streams.Err, "Rule %s lets you approve it yourself (self_approval), or an approver does: keyless approve %s\n", r.Rule, r.ID())
	} else {
		fmt.Fprintf(g.streams.Err, "An approver runs: keyless approve %s\n", r.ID())
	}
	if o.json {
		return json.NewEncoder(g.streams.Out).Encode(c.Pending(r))
	}
	fmt.Fprintln(g.streams.Out, r.ID())
	return nil
}

// pickChoice offers what the person may request.
func pickChoice(g *globalOptions, c *elevation.Client) (elevation.Choice, error) {
	choices := c.Catalog.Choices(c.Me())
	if len(choices) == 0 {
		return elevation.Choice{}, fmt.Errorf("no elevation rule lets %s request anything (as of the last keyless apply)", c.Me())
	}
	items := make([]string, len(choices))
	for i, ch := range choices {
		items[i] = ch.String()
	}
	in, _ := g.streams.In.(*os.File)
	picked, err := shell.Pick(in, g.streams.Err, items)
	if errors.Is(err, shell.ErrCancelled) {
		return elevation.Choice{}, &quietExit{code: ExitInterrupted}
	}
	if err != nil {
		return elevation.Choice{}, err
	}
	for i, it := range items {
		if it == picked {
			return choices[i], nil
		}
	}
	return elevation.Choice{}, errors.New("pick: nothing chosen")
}

// askMissing asks, on a terminal, for the duration and the reason or
// ticket the rule requires; off a terminal the checks name the flag.
func askMissing(ctx context.Context, g *globalOptions, c *elevation.Client, ask *elevation.Ask, tty bool) error {
	if !tty {
		if ask.Duration == 0 {
			return usageErrorf("--for: say how long you need it, e.g. --for 2h")
		}
		return nil
	}
	p := &prompter{tty: true, in: g.streams.In, out: g.streams.Err}
	var rule *elevation.Rule
	if ask.Rule != "" {
		rule, _ = c.Catalog.Rule(ask.Rule)
	}
	for ask.Duration == 0 {
		max := "the rule's maximum"
		if rule != nil {
			max = elevation.FormatDuration(rule.MaxSeconds)
		}
		l, err := p.text(ctx, fmt.Sprintf("For how long (at most %s)", max), "1h", "--for")
		if err != nil {
			return err
		}
		if d, err := time.ParseDuration(l); err == nil && d > 0 {
			ask.Duration = d
		} else {
			fmt.Fprintln(g.streams.Err, "Give a duration such as 30m, 1h or 1h30m.")
		}
	}
	if rule != nil && rule.ReasonRequired && strings.TrimSpace(ask.Reason) == "" {
		l, err := p.text(ctx, "Reason (shown to approvers)", "", "--reason")
		if err != nil {
			return err
		}
		ask.Reason = l
	}
	if rule != nil && rule.TicketRequired && strings.TrimSpace(ask.Ticket) == "" {
		l, err := p.text(ctx, "Ticket", "", "--ticket")
		if err != nil {
			return err
		}
		ask.Ticket = l
	}
	return nil
}

func target(c *elevation.Client, r elevation.Request) string {
	if rule, ok := c.Catalog.Rule(r.Rule); ok {
		return r.PermissionSet + "@" + rule.AccountLabel(r.Account)
	}
	return r.PermissionSet + "@" + r.Account
}

type requestsOptions struct {
	elevOptions
	all, json, rules bool
}

func newRequestsCommand(g *globalOptions) *cobra.Command {
	o := &requestsOptions{}
	cmd := &cobra.Command{
		Use:   "requests",
		Short: "List elevation requests: pending, active and past",
		Long: `List your elevation requests and everyone's pending ones (--all: every
request), with their state: pending, expired (nobody decided it within
elevation.request_expiry of its making: it can no longer be approved),
approved (the grant is not made: AWS failed on the way, or is making it
now; its approver runs keyless approve again to finish it), denied,
active (until when), ended, revoked. Times of grants are AWS's,
shown in UTC and in the local zone.
For each of your active grants, the role's credentials cached before it
began are dropped (an earlier grant's end may have refused them).

--json prints an array, one object per request: id, requester, rule,
permission_set, account, account_name, seconds, reason, ticket,
requested_at, expires_at (pending and expired requests), status (pending,
expired, approved, denied, active, ended, revoked), until, decided_by, comment,
revoked_by, rewritten (true when the requester rewrote the request after
it was decided: its seconds, reason and ticket are not what was decided;
permission_set and account are). With --rules: target, rule, max_seconds,
reason_required, ticket_required, ticket_pattern (when the rule has one),
approvers. --rules shows a ticket's pattern under NEEDS, also when the
ticket is optional.

` + elevationHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := elevationClient(cmd.Context(), g, &o.elevOptions)
			if err != nil {
				return err
			}
			if o.rules {
				return printChoices(g, c, o.json)
			}
			entries, err := c.List(cmd.Context(), o.all)
			if err != nil {
				return err
			}
			forgetCutCredentials(cmd.Context(), g, c, entries)
			if o.json {
				if entries == nil {
					entries = []elevation.Entry{}
				}
				return json.NewEncoder(g.streams.Out).Encode(entries)
			}
			if len(entries) == 0 {
				if o.all {
					fmt.Fprintln(g.streams.Err, "No requests.")
				} else {
					fmt.Fprintln(g.streams.Err, "No requests of yours, and none pending (keyless requests --all lists every request).")
				}
				return nil
			}
			w := tabwriter.NewWriter(g.streams.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSTATUS\tREQUESTER\tSET@ACCOUNT\tFOR\tREASON")
			for _, e := range entries {
				status := string(e.Status)
				if e.Until != nil {
					status += " until " + utcAndLocal(*e.Until, "2006-01-02 15:04")
				}
				why := e.Reason
				if e.Ticket != "" {
					why = strings.TrimSpace(e.Ticket + " " + why)
				}
				if e.Rewritten {
					status += " (rewritten)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, status, e.Requester, target(c, e.Request), elevation.FormatDuration(e.Seconds), why)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			for _, e := range entries {
				if e.Rewritten {
					fmt.Fprintf(g.streams.Err, "Request %s was rewritten by %s after %s decided it: its FOR and REASON are not what was decided; SET@ACCOUNT is.\n",
						e.ID, e.Requester, e.DecidedBy)
				}
			}
			for _, e := range entries {
				if e.Status != elevation.Approved {
					continue
				}
				what := fmt.Sprintf("%s runs keyless approve %s again to finish it", e.DecidedBy, e.ID)
				if e.Until != nil && c.Passed(*e.Until) {
					what = fmt.Sprintf("its end has passed, so it can no longer be made: if it is still needed, %s requests again", e.Requester)
				}
				fmt.Fprintf(g.streams.Err, "Request %s was approved by %s and its grant is not made: AWS failed on the way, or is making it now; %s.\n", e.ID, e.DecidedBy, what)
			}
			if slices.ContainsFunc(entries, func(e elevation.Entry) bool { return c.Mine(e) && e.Status == elevation.Active }) {
				fmt.Fprintln(g.streams.Err, "Your active grants show in keyless login and keyless profiles sync as any other role.")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.all, "all", false, "every request, not only yours and the pending ones")
	cmd.Flags().BoolVar(&o.rules, "rules", false, "list what you may request instead (as of the last keyless apply)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON for scripts (its fields are listed above)")
	o.addFlags(cmd.Flags())
	return cmd
}

// printChoices lists what the person may request.
func printChoices(g *globalOptions, c *elevation.Client, asJSON bool) error {
	type row struct {
		Target   string `json:"target"`
		Rule     string `json:"rule"`
		Max      int    `json:"max_seconds"`
		Reason   bool   `json:"reason_required"`
		Ticket   bool   `json:"ticket_required"`
		Pattern  string `json:"ticket_pattern,omitempty"`
		Approver string `json:"approvers"`
	}
	rows := []row{}
	for _, ch := range c.Catalog.Choices(c.Me()) {
		rows = append(rows, row{ch.Rule.PermissionSet + "@" + ch.Rule.AccountLabel(ch.Account), ch.Rule.Name, ch.Rule.MaxSeconds,
			ch.Rule.ReasonRequired, ch.Rule.TicketRequired, ch.Rule.TicketPattern, ch.Rule.Approvers.String()})
	}
	if asJSON {
		return json.NewEncoder(g.streams.Out).Encode(rows)
	}
	if len(rows) == 0 {
		fmt.Fprintf(g.streams.Err, "No elevation rule lets %s request anything.\n", c.Me())
		return nil
	}
	w := tabwriter.NewWriter(g.streams.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SET@ACCOUNT\tRULE\tAT MOST\tNEEDS\tAPPROVERS")
	for _, r := range rows {
		var needs []string
		if r.Reason {
			needs = append(needs, "reason")
		}
		switch {
		case r.Ticket && r.Pattern != "":
			needs = append(needs, "ticket "+r.Pattern)
		case r.Ticket:
			needs = append(needs, "ticket")
		case r.Pattern != "":
			needs = append(needs, "optional ticket "+r.Pattern)
		}
		if len(needs) == 0 {
			needs = []string{"-"}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Target, r.Rule, elevation.FormatDuration(r.Max), strings.Join(needs, ", "), r.Approver)
	}
	return w.Flush()
}

type decideOptions struct {
	elevOptions
	comment string
	json    bool
}

// decisionReport is what approve, deny and revoke print with --json.
type decisionReport struct {
	ID           string     `json:"id"`
	Requester    string     `json:"requester"`
	Status       string     `json:"status"` // active, denied, revoked
	Until        *time.Time `json:"until,omitempty"`
	ExecutionARN string     `json:"execution_arn"`
}

func (o *decideOptions) addFlags(f *pflag.FlagSet) {
	f.BoolVar(&o.json, "json", false, "print the outcome as JSON on stdout")
	o.elevOptions.addFlags(f)
}

func newApproveCommand(g *globalOptions) *cobra.Command {
	o := &decideOptions{}
	cmd := &cobra.Command{
		Use:   "approve ID",
		Short: "Approve an elevation request: AWS grants it for its time",
		Long: `Approve a request (its id from keyless requests, or a unique prefix). keyless
shows the request and records your approval of exactly what it showed; the
referee in AWS checks the rules again, grants the permission set and
schedules its end.

` + elevationHelp,
		Args: oneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDecide(cmd.Context(), g, o, args[0], elevation.Approve)
		},
	}
	cmd.Flags().StringVar(&o.comment, "comment", "", "a `TEXT` for the requester")
	o.addFlags(cmd.Flags())
	return cmd
}

func newDenyCommand(g *globalOptions) *cobra.Command {
	o := &decideOptions{}
	cmd := &cobra.Command{
		Use:   "deny ID --reason TEXT",
		Short: "Deny an elevation request",
		Long: `Deny a request (its id from keyless requests, or a unique prefix): it can
no longer be approved.

` + elevationHelp,
		Args: oneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(o.comment) == "" {
				return usageErrorf("--reason: say why you deny it (the requester sees it)")
			}
			return runDecide(cmd.Context(), g, o, args[0], elevation.Deny)
		},
	}
	cmd.Flags().StringVar(&o.comment, "reason", "", "`TEXT` saying why (shown to the requester)")
	o.addFlags(cmd.Flags())
	return cmd
}

func runDecide(ctx context.Context, g *globalOptions, o *decideOptions, id, decision string) error {
	c, err := elevationClient(ctx, g, &o.elevOptions)
	if err != nil {
		return err
	}
	r, err := c.Find(ctx, id)
	if err != nil {
		return elevationError(err)
	}
	m, done, err := c.Decided(ctx, r)
	if err != nil {
		return err
	}
	rewritten := done && m.Rewritten(r)
	if rewritten {
		// What it says now is not what was decided: show what the
		// referee's marker keeps, and say so.
		r = c.AsDecided(r, m)
	}
	showRequest(g, c, r)
	finish := done && decision == elevation.Approve && c.Finishable(m, r)
	switch {
	case finish:
		// This approval was acted on, and decide failed before the grant
		// was made: deciding again finishes it.
		fmt.Fprintf(g.streams.Err, "You approved this request, and AWS did not finish the grant: finishing it.\n")
	case done:
		verb := "approved"
		if m.Decision == elevation.Deny {
			verb = "denied"
		}
		if rewritten {
			fmt.Fprintf(g.streams.Err, "%s rewrote this request after %s %s it: the time, reason and ticket above are not what was decided.\n", r.Requester(), m.By, verb)
		}
		err := fmt.Errorf("request %s was already %s by %s: a request is decided once", r.ID(), verb, m.By)
		if m.Unfinished() {
			return withHint(fmt.Errorf("%w; the grant was not made: AWS failed on the way (or is making it now)", err), unfinishedHint(c, r, m))
		}
		return err
	}
	// AWS refuses it too (decide's RequestExpired, by AWS's clock): said
	// here, nothing is written.
	if c.Expired(r) && !finish {
		return withHint(fmt.Errorf("request %s expired at %s: nobody decided it within %s of its making (elevation.request_expiry), so it can no longer be approved or denied",
			r.ID(), utcAndLocal(c.ExpiresAt(r), "2006-01-02 15:04:05"), elevation.FormatDuration(int(c.Catalog.Expiry().Seconds()))),
			fmt.Sprintf("if it is still needed, %s requests again: keyless request %s@%s --for %s", r.Requester(), r.PermissionSet, r.Account, elevation.FormatDuration(r.Seconds)))
	}
	if rule, ok := c.Catalog.Rule(r.Rule); ok && !c.Catalog.MayApprove(rule, c.Me(), r.Requester()) {
		who := "its approvers are " + rule.Approvers.String() + " (as of the last keyless apply)"
		if strings.EqualFold(c.Me(), r.Requester()) {
			who = "it is your own request: only users the rule names under self_approval approve their own"
		}
		return fmt.Errorf("%s may not decide request %s under rule %s: %s", c.Me(), r.ID(), r.Rule, who)
	}
	stop := busy(g.streams.Err, "Waiting for AWS to act on your decision")
	out, err := c.Decide(ctx, r, decision, o.comment)
	stop()
	if err != nil {
		return err
	}
	rep := decisionReport{ID: r.ID(), Requester: r.Requester(), Status: string(elevation.Denied), ExecutionARN: out.ExecutionARN}
	if decision == elevation.Deny {
		fmt.Fprintf(g.streams.Err, "Denied request %s.\n", r.ID())
	} else {
		rep.Status = string(elevation.Active)
		until := "its end"
		if grant, err := c.GrantOf(ctx, r); err == nil && grant != nil {
			until, rep.Until = utcAndLocal(grant.Until, "2006-01-02 15:04:05"), &grant.Until
		}
		fmt.Fprintf(g.streams.Err, "Approved: %s holds %s until %s.\n%s sees the role in keyless login and keyless profiles sync.\n",
			r.Requester(), target(c, r), until, r.Requester())
		// An overlapping grant of the same role may end later: the role
		// stays until the latest end (decide's "ends"), not this grant's.
		var o struct {
			Ends time.Time `json:"ends"`
		}
		if rep.Until != nil && json.Unmarshal([]byte(out.Output), &o) == nil && o.Ends.After(*rep.Until) {
			fmt.Fprintf(g.streams.Err, "%s keeps the role until %s, the end of another grant of it.\n", r.Requester(), utcAndLocal(o.Ends, "2006-01-02 15:04:05"))
		}
	}
	if o.json {
		return json.NewEncoder(g.streams.Out).Encode(rep)
	}
	return nil
}

// unfinishedHint says what to do about an approval whose grant decide
// did not make.
func unfinishedHint(c *elevation.Client, r elevation.Request, m elevation.Marker) string {
	if c.Passed(m.Until) {
		return fmt.Sprintf("its end (%s) has passed, so it can no longer be made: if it is still needed, %s requests again", utcAndLocal(m.Until, "2006-01-02 15:04:05"), r.Requester())
	}
	return fmt.Sprintf("%s runs keyless approve %s again to finish it (until its end, %s)", m.By, r.ID(), utcAndLocal(m.Until, "2006-01-02 15:04:05"))
}

// showRequest prints what the person is deciding on: exactly the fields
// the digest covers.
func showRequest(g *globalOptions, c *elevation.Client, r elevation.Request) {
	w := g.streams.Err
	fmt.Fprintf(w, "Request %s\n", r.ID())
	fmt.Fprintf(w, "  requester  %s\n", r.Requester())
	fmt.Fprintf(w, "  wants      %s for %s (rule %s)\n", target(c, r), elevation.FormatDuration(r.Seconds), r.Rule)
	if r.Reason != "" {
		fmt.Fprintf(w, "  reason     %s\n", r.Reason)
	}
	if r.Ticket != "" {
		fmt.Fprintf(w, "  ticket     %s\n", r.Ticket)
	}
	if t := r.Created(); !t.IsZero() {
		fmt.Fprintf(w, "  asked at   %s (the requester's clock)\n", utcAndLocal(t, "2006-01-02 15:04:05"))
	}
}

func newRevokeCommand(g *globalOptions) *cobra.Command {
	o := &decideOptions{}
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "End an elevation grant now, and the sessions issued for it",
		Long: `End a grant before its time (its id from keyless requests). AWS removes the
assignment and refuses the sessions issued for it (run by the requester,
it drops their credentials cached in ~/.aws/cli/cache too). A later grant of the same
set in the same account keeps its own end. The requester, the rule's approvers
and the revokers keyless.yaml names may revoke.

` + elevationHelp,
		Args: oneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := elevationClient(ctx, g, &o.elevOptions)
			if err != nil {
				return err
			}
			r, err := c.Find(ctx, args[0])
			if err != nil {
				return elevationError(err)
			}
			// Nothing granted, nothing to end: say so before writing.
			m, done, err := c.Decided(ctx, r)
			switch {
			case err != nil:
				return err
			case !done:
				return fmt.Errorf("request %s is pending: nothing is granted yet, so nothing to revoke (an approver may deny it: keyless deny %s --reason TEXT)", r.ID(), r.ID())
			case m.Decision == elevation.Deny:
				return fmt.Errorf("request %s was denied by %s: nothing was granted, so nothing to revoke", r.ID(), m.By)
			}
			// The grant is what was decided, whatever the request says now:
			// name that set and account, and drop that role's credentials.
			r = c.AsDecided(r, m)
			stop := busy(g.streams.Err, "Waiting for AWS to end the grant")
			out, err := c.Revoke(ctx, r, o.comment)
			stop()
			if err != nil {
				return err
			}
			if c.Mine(c.Pending(r)) {
				// Cut: refused from now on, they must not be handed out again.
				forgetElevatedCredentials(ctx, g, cachedRole{account: r.Account, set: r.PermissionSet})
			}
			fmt.Fprintf(g.streams.Err, "Revoked %s's %s (request %s): the assignment is gone and its sessions are refused.\n", r.Requester(), target(c, r), r.ID())
			if o.json {
				return json.NewEncoder(g.streams.Out).Encode(decisionReport{ID: r.ID(), Requester: r.Requester(), Status: string(elevation.Revoked), ExecutionARN: out.ExecutionARN})
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.comment, "reason", "", "`TEXT` saying why (recorded with the revoke)")
	o.addFlags(cmd.Flags())
	return cmd
}

// utcAndLocal writes t in UTC (Z), and in the local zone after it when
// that differs: "2026-12-02 15:52Z (16:52 CET)". Grants end by AWS's
// clock; the local time is for the reader.
func utcAndLocal(t time.Time, layout string) string {
	out := t.UTC().Format(layout) + "Z"
	local := t.Local()
	if _, off := local.Zone(); off != 0 {
		short := strings.TrimPrefix(layout, "2006-01-02 ")
		if local.YearDay() != t.UTC().YearDay() {
			short = layout
		}
		out += " (" + local.Format(short+" MST") + ")"
	}
	return out
}
