-- Courses: the skills taxonomy, courses with revisions (a draft is edited;
-- publishing freezes it with a revision number), uploaded media, and the
-- catalogue projection of each published revision that search reads.
-- +goose Up

-- Skill areas: a stable code plus Japanese and English names, aligned to
-- Japan's Digital Skill Standards (DSS): "dss_l" is the DX literacy standard
-- for all workers; the DX promotion standard's five person types are
-- business_architect, designer, data_scientist, software_engineer and
-- cyber_security. Reports slice by code, so codes never change.
CREATE TABLE skill_areas (
    code           text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    name_ja        text NOT NULL CHECK (length(name_ja) BETWEEN 1 AND 100),
    name_en        text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 100),
    description_ja text NOT NULL DEFAULT '',
    description_en text NOT NULL DEFAULT '',
    dss_alignment  text[] NOT NULL DEFAULT '{}',
    sort_order     integer NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

INSERT INTO skill_areas (code, name_ja, name_en, description_ja, description_en, dss_alignment, sort_order) VALUES
    ('ai_data', 'AI・データ活用', 'AI and data', 'データ分析、機械学習、AIの業務活用', 'Data analysis, machine learning and applying AI at work', '{data_scientist}', 10),
    ('generative_ai', '生成AI・LLM', 'Generative AI and LLMs', '生成AIと大規模言語モデルの安全で効果的な利用と開発', 'Using and building with generative AI and large language models safely and well', '{dss_l,data_scientist,software_engineer}', 20),
    ('cloud', 'クラウド・インフラ', 'Cloud and infrastructure', 'クラウドの設計・構築・運用', 'Designing, building and running cloud systems', '{software_engineer}', 30),
    ('cybersecurity', 'サイバーセキュリティ', 'Cybersecurity', '情報セキュリティの管理と技術', 'Security management and engineering', '{cyber_security}', 40),
    ('software_engineering', 'ソフトウェア開発', 'Software engineering', 'ソフトウェアの設計・開発・品質', 'Designing, building and assuring software', '{software_engineer}', 50),
    ('robotics', 'ロボティクス・自動化', 'Robotics and automation', '産業用ロボット、FA、自動化システム', 'Industrial robots, factory automation and automated systems', '{software_engineer,data_scientist}', 60),
    ('advanced_manufacturing', '先端製造', 'Advanced manufacturing', 'スマート工場、IoT、品質データの活用', 'Smart factories, IoT and quality data', '{business_architect,data_scientist}', 70),
    ('dx_business_design', 'DX推進・ビジネスとデザイン', 'Business and design for DX', 'DXの企画・推進、サービスデザイン', 'Planning and leading DX, service design', '{business_architect,designer}', 80),
    ('digital_literacy', 'デジタルリテラシー', 'Digital literacy for every worker', 'すべての働く人のためのDXリテラシー', 'DX literacy for every worker', '{dss_l}', 90);

-- A short, URL-safe code for training providers: course pages live at
-- /courses/<provider code>/<course code>.
ALTER TABLE organisations ADD COLUMN code text UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,39}$');

CREATE TABLE courses (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id        uuid NOT NULL REFERENCES organisations(id),
    code               text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
    status             text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    published_revision integer,
    published_at       timestamptz,
    archived_at        timestamptz,
    created_by         uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- Catalogue projection of the published revision (NULL until published).
    title_ja           text,
    title_en           text,
    summary_ja         text,
    summary_en         text,
    skill_area_code    text REFERENCES skill_areas(code),
    level              text CHECK (level IN ('introductory', 'intermediate', 'advanced')),
    delivery_mode      text CHECK (delivery_mode IN ('self_paced', 'cohort')),
    language           text CHECK (language IN ('ja', 'en')),
    estimated_hours    numeric(6,1),
    lesson_count       integer,
    -- Normalised searchable text and its search grams (see internal/catalog/search.go).
    search_text        text,
    search_grams       text[],
    UNIQUE (provider_id, code)
);
CREATE INDEX courses_provider_idx ON courses (provider_id);
CREATE INDEX courses_catalogue_idx ON courses (skill_area_code, level, delivery_mode, language) WHERE status = 'published';
CREATE INDEX courses_published_at_idx ON courses (published_at DESC) WHERE status = 'published';
CREATE INDEX courses_grams_idx ON courses USING gin (search_grams) WHERE status = 'published';

-- Every revision's full content as one document (format takumi-course/1).
-- At most one open draft per course (published_at IS NULL).
CREATE TABLE course_revisions (
    course_id    uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    number       integer NOT NULL CHECK (number >= 1),
    content      jsonb NOT NULL,
    lock_version integer NOT NULL DEFAULT 1,
    created_by   uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   uuid REFERENCES users(id) ON DELETE SET NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    published_by uuid REFERENCES users(id) ON DELETE SET NULL,
    published_at timestamptz,
    PRIMARY KEY (course_id, number)
);
CREATE UNIQUE INDEX course_revisions_one_draft ON course_revisions (course_id) WHERE published_at IS NULL;

-- Uploaded files (videos, downloadable resources), stored behind the storage
-- interface; content type sniffed on upload.
CREATE TABLE media (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id  uuid NOT NULL REFERENCES organisations(id),
    course_id    uuid REFERENCES courses(id) ON DELETE SET NULL,
    filename     text NOT NULL,
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    sha256       bytea NOT NULL,
    storage_key  text NOT NULL UNIQUE,
    created_by   uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_course_idx ON media (course_id);

-- +goose Down
DROP TABLE media;
DROP TABLE course_revisions;
DROP TABLE courses;
ALTER TABLE organisations DROP COLUMN code;
DROP TABLE skill_areas;
