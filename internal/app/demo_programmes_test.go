package app

import (
	"context"
	"testing"

	"takumi/internal/dbtest"
)

func TestLoadDemoProgrammes(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	n, err := loadDemoProgrammes(ctx, db)
	if err != nil || n != 2 {
		t.Fatalf("created %d, %v; want 2", n, err)
	}
	var rows []struct {
		Code       string
		Target     int64
		Flagship   bool
		StartsOn   string
		EndsOn     string
		SkillAreas string
	}
	db.Gorm.Raw(`SELECT code, target, flagship, starts_on::text, ends_on::text, array_to_string(skill_areas, ',') AS skill_areas
		FROM programmes ORDER BY flagship DESC`).Scan(&rows)
	if len(rows) != 2 || rows[0].Code != "ai-ready-2030" || !rows[0].Flagship || rows[0].Target != 1_000_000 ||
		rows[0].StartsOn != "2026-01-01" || rows[0].EndsOn != "2030-12-31" || rows[0].SkillAreas != "ai_data,generative_ai" {
		t.Fatalf("flagship %+v", rows)
	}
	if rows[1].Code != "cyber-50k" || rows[1].Flagship || rows[1].Target != 50_000 || rows[1].SkillAreas != "cybersecurity" {
		t.Fatalf("cybersecurity programme %+v", rows[1])
	}
	if n, err := loadDemoProgrammes(ctx, db); err != nil || n != 0 {
		t.Fatalf("second run created %d, %v", n, err)
	}
}
