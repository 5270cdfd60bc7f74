package export

import (
	"bytes"
	"strconv"
	"time"

	"parindex/workflow"
)

// Source is one version of a report with what its exports print: the
// report filled with its entries, its criteria set, campaign and agency, and
// its current evidence files, by code then upload order.
type Source struct {
	Province string // printed at the head of every export
	Zone     *time.Location
	Report   *workflow.Report
	Set      *workflow.CriteriaSet
	Campaign workflow.Campaign
	Agency   workflow.Agency
	Files    []File
}

// File is one current evidence file of a leaf.
type File struct {
	Code, Name, SHA256 string
	Signed             bool // carries a digital signature that verifies
}

// SummaryOf turns one version of a report into what the exports print. Its
// time is the version's, so that an export depends on the version only and
// the same version exports to the same bytes.
func SummaryOf(src Source) Summary {
	r := src.Report
	files := map[string][]Evidence{}
	digests := map[string][]string{}
	for _, f := range src.Files {
		files[f.Code] = append(files[f.Code], Evidence{Name: f.Name, Signed: f.Signed})
		digests[f.Code] = append(digests[f.Code], f.SHA256)
	}
	entries := map[string]workflow.Entry{}
	for _, e := range r.Entries {
		entries[e.Code] = e
	}
	zone := src.Zone
	if zone == nil {
		zone = time.UTC
	}
	sum := Summary{
		Province: src.Province, Agency: src.Agency.Name, AgencyCode: src.Agency.Code,
		Campaign: src.Campaign.Name, Year: src.Campaign.Year, ReportID: r.ID, Round: r.Round, Version: r.Version,
		State: string(r.State), GeneratedAt: r.UpdatedAt.In(zone), Zone: zone,
		SelfTotal: pointsValue(r.SelfTotal), MaxTotal: pointsValue(r.MaxTotal), Index: indexValue(r.SelfTotal, r.MaxTotal),
		Digest: r.Digest(digests),
	}
	// rows appends c and its subtree and returns the subtree's self and max totals.
	var rows func(c *workflow.Criterion, depth int, stt string) (workflow.Points, workflow.Points)
	rows = func(c *workflow.Criterion, depth int, stt string) (workflow.Points, workflow.Points) {
		at := len(sum.Rows)
		sum.Rows = append(sum.Rows, Row{STT: stt, Code: c.Code, Title: c.Title, Depth: depth, Leaf: c.IsLeaf(), MaxPoints: pointsValue(c.MaxPoints)})
		if c.IsLeaf() {
			e := entries[c.Code]
			row := &sum.Rows[at]
			row.Evidence, row.Explanation, row.Exempt = files[c.Code], e.Explanation, e.Exempt
			if e.Exempt {
				return 0, 0
			}
			if e.SelfScore != nil {
				v := pointsValue(*e.SelfScore)
				row.SelfScore = &v
				return *e.SelfScore, c.MaxPoints
			}
			return 0, c.MaxPoints
		}
		var self, max workflow.Points
		for i, child := range c.Children {
			cs, cm := rows(child, depth+1, strconv.Itoa(i+1))
			self, max = self+cs, max+cm
		}
		subtotal := pointsValue(self)
		sum.Rows[at].SelfScore, sum.Rows[at].MaxPoints = &subtotal, pointsValue(max)
		return self, max
	}
	for i, c := range src.Set.Criteria {
		rows(c, 0, roman(i+1))
	}
	return sum
}

// pointsValue is points as the exports take them. A whole number of
// hundredths converts to the float64 nearest it, which prints back with two
// decimals exactly.
func pointsValue(p workflow.Points) float64 { return float64(p) / 100 }

// indexValue is the index as workflow.Index rounds it (half up, to
// thousandths, in integers), as the float64 nearest it. Index always prints
// a plain decimal, so the parse cannot fail.
func indexValue(achieved, max workflow.Points) float64 {
	v, _ := strconv.ParseFloat(workflow.Index(achieved, max), 64)
	return v
}

// roman numbers the top-level fields: I, II, III, IV …
func roman(n int) string {
	vals := []int{1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1}
	syms := []string{"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"}
	var b bytes.Buffer
	for i, v := range vals {
		for n >= v {
			b.WriteString(syms[i])
			n -= v
		}
	}
	return b.String()
}
