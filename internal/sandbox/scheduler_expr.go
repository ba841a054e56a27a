package sandbox

import (
	"strconv"
	"strings"
	"time"

	// Schedules name IANA time zones (ScheduleExpressionTimezone): the
	// sandbox must read them the same on a machine without a zone database.
	_ "time/tzdata"
)

// Schedule expressions as EventBridge Scheduler reads them: at(), rate()
// and cron(), each evaluated in the schedule's time zone. All schedule
// types run with one-minute precision on AWS; the sandbox runs a schedule
// at the first tick at or after its time.

// scheduleExpr is a parsed ScheduleExpression.
type scheduleExpr struct {
	at   time.Time     // at(): the one time, in the schedule's zone
	rate time.Duration // rate(): the interval
	cron *cronExpr     // cron()
}

var (
	schedAtPattern   = lazyRegexp(`^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$`)
	schedRatePattern = lazyRegexp(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)
	schedCronPattern = lazyRegexp(`^cron\(([^()]*)\)$`)
)

// parseScheduleExpr reads expr in the zone loc. Any error is AWS's
// "Invalid Schedule Expression" ValidationException.
func parseScheduleExpr(expr string, loc *time.Location) (scheduleExpr, error) {
	invalid := errValidation("Invalid Schedule Expression %s.", truncate(expr, 256))
	if m := schedAtPattern.FindStringSubmatch(expr); m != nil {
		t, err := time.ParseInLocation("2006-01-02T15:04:05", m[1], loc)
		if err != nil {
			return scheduleExpr{}, invalid
		}
		return scheduleExpr{at: t}, nil
	}
	if m := schedRatePattern.FindStringSubmatch(expr); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 || n > 1_000_000 {
			return scheduleExpr{}, invalid
		}
		unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[m[2][0]]
		return scheduleExpr{rate: time.Duration(n) * unit}, nil
	}
	if m := schedCronPattern.FindStringSubmatch(expr); m != nil {
		c, ok := parseCron(m[1])
		if !ok {
			return scheduleExpr{}, invalid
		}
		return scheduleExpr{cron: c}, nil
	}
	return scheduleExpr{}, invalid
}

// cronExpr is cron(minutes hours day-of-month month day-of-week year):
// each field a set of allowed values; day-of-month and day-of-week also
// take L, W and # (see cronDay).
type cronExpr struct {
	minutes, hours, months, years []bool
	dom, dow                      string // the raw fields: one of them is "?"
}

var cronMonths = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var cronDays = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

// parseCron checks the six fields with AWS's rules: values in range, and
// exactly one of day-of-month and day-of-week is "?".
func parseCron(s string) (*cronExpr, bool) {
	f := strings.Fields(s)
	if len(f) != 6 || (f[2] == "?") == (f[4] == "?") {
		return nil, false
	}
	c := &cronExpr{dom: strings.ToUpper(f[2]), dow: strings.ToUpper(f[4])}
	var ok bool
	if c.minutes, ok = cronSet(f[0], 0, 59, nil); !ok {
		return nil, false
	}
	if c.hours, ok = cronSet(f[1], 0, 23, nil); !ok {
		return nil, false
	}
	if c.months, ok = cronSet(f[3], 1, 12, cronMonths); !ok {
		return nil, false
	}
	if c.years, ok = cronSet(f[5], 1970, 2199, nil); !ok {
		return nil, false
	}
	// Check the day fields by evaluating them once.
	if c.dom != "?" && !cronDayValid(c.dom, false) || c.dow != "?" && !cronDayValid(c.dow, true) {
		return nil, false
	}
	return c, true
}

// cronSet reads a field of comma-separated *, N, N-M and A/B items.
func cronSet(field string, lo, hi int, names map[string]int) ([]bool, bool) {
	set := make([]bool, hi+1)
	for _, item := range strings.Split(strings.ToUpper(field), ",") {
		from, to, step := lo, hi, 1
		base, stepStr, hasStep := strings.Cut(item, "/")
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n < 1 || n > hi {
				return nil, false
			}
			step = n
		}
		if base != "*" {
			a, b, isRange := strings.Cut(base, "-")
			var ok bool
			if from, ok = cronValue(a, lo, hi, names); !ok {
				return nil, false
			}
			to = from
			if hasStep {
				to = hi
			}
			if isRange {
				if to, ok = cronValue(b, lo, hi, names); !ok || to < from {
					return nil, false
				}
			}
		}
		for v := from; v <= to; v += step {
			set[v] = true
		}
	}
	return set, true
}

func cronValue(s string, lo, hi int, names map[string]int) (int, bool) {
	if v, ok := names[s]; ok {
		return v, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= lo && n <= hi
}

func cronDayValid(field string, week bool) bool {
	_, ok := cronDay(field, week, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	return ok
}

// cronDay tells whether day d matches a day-of-month (week false) or
// day-of-week field: the cronSet grammar, plus L (last day of the month;
// "5L" the last Thursday), "15W" (the weekday nearest the 15th), "LW"
// (the last weekday) and "6#3" (the third Friday).
func cronDay(field string, week bool, d time.Time) (match, ok bool) {
	last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, d.Location()).Day()
	wd := int(d.Weekday()) + 1 // SUN=1
	switch {
	case !week && field == "L":
		return d.Day() == last, true
	case !week && field == "LW":
		t := time.Date(d.Year(), d.Month(), last, 0, 0, 0, 0, d.Location())
		for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
			t = t.AddDate(0, 0, -1)
		}
		return d.Day() == t.Day(), true
	case !week && strings.HasSuffix(field, "W"):
		n, err := strconv.Atoi(strings.TrimSuffix(field, "W"))
		if err != nil || n < 1 || n > 31 {
			return false, false
		}
		return d.Day() == nearestWeekday(d, min(n, last)), true
	case week && field == "L":
		return wd == 7, true
	case week && strings.HasSuffix(field, "L"):
		n, ok := cronValue(strings.TrimSuffix(field, "L"), 1, 7, cronDays)
		return ok && wd == n && d.Day()+7 > last, ok
	case week && strings.Contains(field, "#"):
		a, b, _ := strings.Cut(field, "#")
		n, ok := cronValue(a, 1, 7, cronDays)
		k, err := strconv.Atoi(b)
		if !ok || err != nil || k < 1 || k > 5 {
			return false, false
		}
		return wd == n && (d.Day()-1)/7+1 == k, true
	}
	names := map[string]int(nil)
	lo, hi, v := 1, 31, d.Day()
	if week {
		names, hi, v = cronDays, 7, wd
	}
	set, ok := cronSet(field, lo, hi, names)
	return ok && set[v], ok
}

// nearestWeekday is the day of d's month nearest to day n that is a
// weekday, never leaving the month.
func nearestWeekday(d time.Time, n int) int {
	t := time.Date(d.Year(), d.Month(), n, 0, 0, 0, 0, d.Location())
	switch t.Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, d.Location()).Day()
		if n == last {
			return n - 2
		}
		return n + 1
	}
	return n
}

// next is the first time at or after from that the cron expression names,
// in from's zone; zero when there is none before the year 2200.
func (c *cronExpr) next(from time.Time) time.Time {
	loc := from.Location()
	if from.Truncate(time.Minute) != from {
		from = from.Truncate(time.Minute).Add(time.Minute)
	}
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	for ; day.Year() < 2200; day = day.AddDate(0, 0, 1) {
		if !c.years[day.Year()] || !c.months[int(day.Month())] {
			continue
		}
		field, week := c.dom, false
		if field == "?" {
			field, week = c.dow, true
		}
		if m, _ := cronDay(field, week, day); !m {
			continue
		}
		for h := 0; h < 24; h++ {
			for m := 0; m < 60; m++ {
				if !c.hours[h] || !c.minutes[m] {
					continue
				}
				t := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
				// A time skipped by a daylight saving change normalizes
				// to another hour: that one is not this minute.
				if t.Hour() == h && !t.Before(from) {
					return t
				}
			}
		}
	}
	return time.Time{}
}
