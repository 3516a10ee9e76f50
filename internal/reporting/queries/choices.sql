SELECT kind, value, name_ja, name_en, region_en FROM (
    SELECT 1 AS kind, row_number() OVER (ORDER BY code) AS ord, code::text AS value, name_ja, name_en, region_en FROM prefectures
    UNION ALL SELECT 2, row_number() OVER (ORDER BY code), code::text, name_ja, name_en, '' FROM industries
    UNION ALL SELECT 3, row_number() OVER (ORDER BY sort_order, code), code, name_ja, name_en, '' FROM skill_areas
    UNION ALL SELECT 4, row_number() OVER (ORDER BY name_ja), id::text, name_ja, name_en, '' FROM organisations WHERE kind = 'provider'
) r ORDER BY kind, ord
