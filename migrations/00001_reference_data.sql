-- Reference data from shared/data: the 47 prefectures (JIS X 0401) and the
-- JSIC industry divisions A-T. Codes are stable keys used by every report.
-- +goose Up
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE prefectures (
    code        char(2) PRIMARY KEY,
    name_ja     text NOT NULL,
    name_en     text NOT NULL,
    region_en   text NOT NULL,
    population_thousands integer NOT NULL
);

CREATE TABLE industries (
    code    char(1) PRIMARY KEY,
    name_ja text NOT NULL,
    name_en text NOT NULL
);

INSERT INTO prefectures (code, name_ja, name_en, region_en, population_thousands) VALUES
    ('01', '北海道', 'Hokkaido', 'Hokkaido', 5225),
    ('02', '青森県', 'Aomori', 'Tohoku', 1238),
    ('03', '岩手県', 'Iwate', 'Tohoku', 1211),
    ('04', '宮城県', 'Miyagi', 'Tohoku', 2302),
    ('05', '秋田県', 'Akita', 'Tohoku', 960),
    ('06', '山形県', 'Yamagata', 'Tohoku', 1068),
    ('07', '福島県', 'Fukushima', 'Tohoku', 1833),
    ('08', '茨城県', 'Ibaraki', 'Kanto', 2867),
    ('09', '栃木県', 'Tochigi', 'Kanto', 1933),
    ('10', '群馬県', 'Gunma', 'Kanto', 1939),
    ('11', '埼玉県', 'Saitama', 'Kanto', 7345),
    ('12', '千葉県', 'Chiba', 'Kanto', 6284),
    ('13', '東京都', 'Tokyo', 'Kanto', 14048),
    ('14', '神奈川県', 'Kanagawa', 'Kanto', 9237),
    ('15', '新潟県', 'Niigata', 'Chubu', 2201),
    ('16', '富山県', 'Toyama', 'Chubu', 1035),
    ('17', '石川県', 'Ishikawa', 'Chubu', 1133),
    ('18', '福井県', 'Fukui', 'Chubu', 767),
    ('19', '山梨県', 'Yamanashi', 'Chubu', 810),
    ('20', '長野県', 'Nagano', 'Chubu', 2048),
    ('21', '岐阜県', 'Gifu', 'Chubu', 1979),
    ('22', '静岡県', 'Shizuoka', 'Chubu', 3633),
    ('23', '愛知県', 'Aichi', 'Chubu', 7542),
    ('24', '三重県', 'Mie', 'Kinki', 1770),
    ('25', '滋賀県', 'Shiga', 'Kinki', 1414),
    ('26', '京都府', 'Kyoto', 'Kinki', 2578),
    ('27', '大阪府', 'Osaka', 'Kinki', 8838),
    ('28', '兵庫県', 'Hyogo', 'Kinki', 5465),
    ('29', '奈良県', 'Nara', 'Kinki', 1324),
    ('30', '和歌山県', 'Wakayama', 'Kinki', 923),
    ('31', '鳥取県', 'Tottori', 'Chugoku', 553),
    ('32', '島根県', 'Shimane', 'Chugoku', 671),
    ('33', '岡山県', 'Okayama', 'Chugoku', 1888),
    ('34', '広島県', 'Hiroshima', 'Chugoku', 2800),
    ('35', '山口県', 'Yamaguchi', 'Chugoku', 1342),
    ('36', '徳島県', 'Tokushima', 'Shikoku', 720),
    ('37', '香川県', 'Kagawa', 'Shikoku', 950),
    ('38', '愛媛県', 'Ehime', 'Shikoku', 1335),
    ('39', '高知県', 'Kochi', 'Shikoku', 692),
    ('40', '福岡県', 'Fukuoka', 'Kyushu-Okinawa', 5135),
    ('41', '佐賀県', 'Saga', 'Kyushu-Okinawa', 811),
    ('42', '長崎県', 'Nagasaki', 'Kyushu-Okinawa', 1312),
    ('43', '熊本県', 'Kumamoto', 'Kyushu-Okinawa', 1738),
    ('44', '大分県', 'Oita', 'Kyushu-Okinawa', 1124),
    ('45', '宮崎県', 'Miyazaki', 'Kyushu-Okinawa', 1070),
    ('46', '鹿児島県', 'Kagoshima', 'Kyushu-Okinawa', 1588),
    ('47', '沖縄県', 'Okinawa', 'Kyushu-Okinawa', 1467);

INSERT INTO industries (code, name_ja, name_en) VALUES
    ('A', '農業，林業', 'Agriculture and forestry'),
    ('B', '漁業', 'Fisheries'),
    ('C', '鉱業，採石業，砂利採取業', 'Mining and quarrying of stone and gravel'),
    ('D', '建設業', 'Construction'),
    ('E', '製造業', 'Manufacturing'),
    ('F', '電気・ガス・熱供給・水道業', 'Electricity, gas, heat supply and water'),
    ('G', '情報通信業', 'Information and communications'),
    ('H', '運輸業，郵便業', 'Transport and postal activities'),
    ('I', '卸売業，小売業', 'Wholesale and retail trade'),
    ('J', '金融業，保険業', 'Finance and insurance'),
    ('K', '不動産業，物品賃貸業', 'Real estate and goods rental and leasing'),
    ('L', '学術研究，専門・技術サービス業', 'Scientific research, professional and technical services'),
    ('M', '宿泊業，飲食サービス業', 'Accommodations, eating and drinking services'),
    ('N', '生活関連サービス業，娯楽業', 'Living-related and personal services and amusement services'),
    ('O', '教育，学習支援業', 'Education, learning support'),
    ('P', '医療，福祉', 'Medical, health care and welfare'),
    ('Q', '複合サービス事業', 'Compound services'),
    ('R', 'サービス業（他に分類されないもの）', 'Services, not elsewhere classified'),
    ('S', '公務（他に分類されるものを除く）', 'Government, except elsewhere classified'),
    ('T', '分類不能の産業', 'Industries unable to classify');

-- +goose Down
DROP TABLE industries;
DROP TABLE prefectures;
