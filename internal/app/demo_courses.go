package app

// Demo courses: six real courses by the demo training provider, written for
// the platform in Japanese with English titles and summaries. They are
// created and published through the catalog service, as an instructor would
// in the studio, so every rule of publishing (and the audit log) applies to
// them too. The lesson text is meant to teach: it is what people see when
// they try the demo.

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/storage"
)

// demoProviderCode is the demo provider's code in course URLs
// (/courses/takumi-academy/<course code>).
const demoProviderCode = "takumi-academy"

// demoCourseAuthor is the demo instructor who authors the demo courses.
const demoCourseAuthor = "instructor1" + demoDomain

// demoCourse is one demo course: its code within the provider and the
// function that writes its content (fresh ids on every call).
type demoCourse struct {
	Code    string
	Content func() catalog.Content
}

var demoCourses = []demoCourse{
	{"genai-office-101", demoCourseGenAI},
	{"cloud-basics-101", demoCourseCloud},
	{"secure-coding-201", demoCourseSecureCoding},
	{"robot-programming-101", demoCourseRobot},
	{"quality-data-201", demoCourseQuality},
	{"sme-security-101", demoCourseSMESecurity},
}

// DemoCourse names one demo course, as `takumi demo` prints it.
type DemoCourse struct {
	Code    string
	TitleEn string
}

// DemoCourseList is every demo course, in the order `takumi demo` prints them.
func DemoCourseList() []DemoCourse {
	out := make([]DemoCourse, len(demoCourses))
	for i, dc := range demoCourses {
		out[i] = DemoCourse{Code: dc.Code, TitleEn: dc.Content().TitleEn}
	}
	return out
}

// loadDemoCourses publishes every demo course the demo provider does not
// have yet and returns how many it published. A course whose code the
// provider already uses is left as it is, except a never-published draft
// that the demo author created (a run interrupted between creating and
// publishing), which is completed. Runs after the accounts exist.
func loadDemoCourses(ctx context.Context, cfg config.Config, db *database.DB) (int, error) {
	files, err := storage.NewDir(filepath.Join(cfg.DataDir, "media"))
	if err != nil {
		return 0, err
	}
	svc := catalog.NewService(db.Gorm, files)
	var providerID, authorID string
	if err := db.Gorm.WithContext(ctx).Raw("SELECT id FROM organisations WHERE name_ja = ?", demoProvider().NameJa).Row().Scan(&providerID); err != nil {
		return 0, fmt.Errorf("demo provider: %w", err)
	}
	if err := db.Gorm.WithContext(ctx).Raw("SELECT id FROM users WHERE email = ?", demoCourseAuthor).Row().Scan(&authorID); err != nil {
		return 0, fmt.Errorf("demo course author: %w", err)
	}
	actor := catalog.Actor{UserID: authorID}
	published := 0
	for _, dc := range demoCourses {
		var existing []struct {
			ID        string
			Status    string
			CreatedBy *string
		}
		if err := db.Gorm.WithContext(ctx).Raw("SELECT id, status, created_by FROM courses WHERE provider_id = ? AND code = ?",
			providerID, dc.Code).Scan(&existing).Error; err != nil {
			return published, err
		}
		content := dc.Content()
		courseID := ""
		if len(existing) > 0 {
			e := existing[0]
			if e.Status != catalog.StatusDraft || e.CreatedBy == nil || *e.CreatedBy != authorID {
				continue
			}
			courseID = e.ID
		} else {
			details := content
			details.Modules = nil
			c, err := svc.CreateCourse(ctx, actor, catalog.NewCourse{ProviderID: providerID, Code: dc.Code, Content: details})
			if err != nil {
				return published, fmt.Errorf("demo course %s: %w", dc.Code, err)
			}
			courseID = c.ID
		}
		if _, err := svc.EditDraft(ctx, actor, courseID, 0, func(c *catalog.Content) error {
			*c = content
			return nil
		}); err != nil {
			return published, fmt.Errorf("demo course %s: %w", dc.Code, err)
		}
		if _, err := svc.Publish(ctx, actor, courseID); err != nil {
			return published, fmt.Errorf("demo course %s: %w (problems: %v)", dc.Code, err, content.PublishProblems(svc.SkillAreaExists(ctx)))
		}
		published++
	}
	return published, nil
}

// demoProvider is the demo training provider that authors the demo courses.
func demoProvider() demoOrg {
	for _, o := range demoOrgs {
		if o.Key == "provider" {
			return o
		}
	}
	panic("demo: no provider organisation")
}

// printDemoCourses lists the demo courses with their catalogue paths.
func printDemoCourses(out io.Writer) {
	fmt.Fprintf(out, "Demo courses by %s (published, /courses/%s/<code>):\n", demoProvider().NameEn, demoProviderCode)
	for _, c := range DemoCourseList() {
		fmt.Fprintf(out, "  %-24s %s\n", c.Code, c.TitleEn)
	}
}

// Helpers that keep the course definitions below readable.

func demoModule(titleJa, titleEn string, lessons ...catalog.Lesson) catalog.Module {
	return catalog.Module{ID: catalog.NewID(), TitleJa: titleJa, TitleEn: titleEn, Lessons: lessons}
}

// demoReading is a required reading lesson with a minimum time on task.
func demoReading(titleJa, titleEn string, minMinutes int, body string) catalog.Lesson {
	return catalog.Lesson{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: titleJa, TitleEn: titleEn,
		Required: true, MinMinutes: minMinutes, BodyMd: strings.TrimSpace(body)}
}

// demoQuiz is a required quiz that must be passed, with three attempts and
// questions in random order.
func demoQuiz(titleJa, titleEn string, passPercent int, questions ...catalog.Question) catalog.Lesson {
	return catalog.Lesson{ID: catalog.NewID(), Kind: catalog.LessonQuiz, TitleJa: titleJa, TitleEn: titleEn,
		Required: true, MustPass: true,
		Quiz: &catalog.Quiz{PassPercent: passPercent, MaxAttempts: 3, Shuffle: true, Questions: questions}}
}

type demoOption struct {
	text    string
	correct bool
}

func demoRight(text string) demoOption { return demoOption{text, true} }
func demoWrong(text string) demoOption { return demoOption{text, false} }

func demoChoice(kind, prompt, feedback string, opts ...demoOption) catalog.Question {
	q := catalog.Question{ID: catalog.NewID(), Kind: kind, PromptMd: prompt, FeedbackMd: feedback}
	for _, o := range opts {
		q.Options = append(q.Options, catalog.Option{ID: catalog.NewID(), Text: o.text, Correct: o.correct})
	}
	return q
}

// demoSingle is a single-choice question: exactly one option is correct.
func demoSingle(prompt, feedback string, opts ...demoOption) catalog.Question {
	return demoChoice(catalog.QuestionSingle, prompt, feedback, opts...)
}

// demoMultiple is a multiple-choice question: every correct option must be chosen.
func demoMultiple(prompt, feedback string, opts ...demoOption) catalog.Question {
	return demoChoice(catalog.QuestionMultiple, prompt, feedback, opts...)
}

// demoTrueFalse is a true/false statement; answer says whether it is true.
func demoTrueFalse(prompt, feedback string, answer bool) catalog.Question {
	return demoChoice(catalog.QuestionTrueFalse, prompt, feedback,
		demoOption{"正しい", answer}, demoOption{"誤り", !answer})
}

// demoNumeric is a numeric question answered within tolerance.
func demoNumeric(prompt, feedback string, answer, tolerance float64) catalog.Question {
	return catalog.Question{ID: catalog.NewID(), Kind: catalog.QuestionNumeric, PromptMd: prompt,
		Answer: answer, Tolerance: tolerance, FeedbackMd: feedback}
}

// demoCourseGenAI: 生成AI入門：オフィスワークでの安全な活用.
func demoCourseGenAI() catalog.Content {
	return catalog.Content{
		TitleJa:   "生成AI入門：オフィスワークでの安全な活用",
		TitleEn:   "Introduction to Generative AI for Office Work: Using It Safely",
		SummaryJa: "文章の下書き、要約、アイデア出しなど、日々の事務作業で生成AIを安全に使いこなすための入門講座です。しくみと限界、伝わるプロンプトの書き方、入力してよい情報・いけない情報の線引きまで、明日から職場で実践できる形で学びます。",
		SummaryEn: "An introduction to using generative AI safely in everyday office work such as drafting, summarising and brainstorming. Learn how it works and where it fails, how to write prompts that get useful results, and where to draw the line on what information may be entered, in a form you can apply at work tomorrow.",
		DescriptionMd: `
ChatGPT をはじめとする生成AIは、文章作成や情報整理の時間を大きく減らせる一方で、使い方を誤ると誤情報の拡散や情報漏えいにつながります。この講座では、特別な技術知識がない方でも、生成AIを「便利で安全な道具」として業務に取り入れられるよう、基礎から順を追って解説します。

## 対象者

- 事務・営業・企画・人事・総務など、日常的に文書を扱うすべての職種の方
- 職場で生成AIの利用が始まった、またはこれから導入を検討している方
- 部署内の利用ルールづくりを任された管理職・リーダーの方

## この講座でできるようになること

- 生成AIが文章を作るしくみを理解し、得意な仕事と苦手な仕事を見分けられる
- 目的・背景・条件・出力形式を押さえたプロンプトを書き、結果を改善できる
- 出力内容の事実確認を習慣にし、誤りや偏りを見抜ける
- 個人情報や機密情報を入力しないなど、安全な利用ルールを守り、職場に説明できる

## 前提知識

パソコンでのメール・文書作成ができれば十分です。プログラミングの知識は必要ありません。すべてのレッスンを学習し、最後の確認テスト（合格点 70%）に合格すると修了となります。
`,
		SkillArea:      "generative_ai",
		Level:          catalog.LevelIntroductory,
		EstimatedHours: 6,
		Language:       "ja",
		DeliveryMode:   catalog.DeliverySelfPaced,
		Modules: []catalog.Module{
			demoModule("生成AIのしくみと得意・不得意", "How generative AI works: strengths and limits",
				demoReading("生成AIとは何か", "What generative AI is", 8, `
## 生成AIとは

生成AIとは、文章・画像・音声などを新しく「生成」するAIの総称です。オフィスワークで主に使われるのは、文章を扱う**大規模言語モデル**（LLM）です。

## 文章はどのように作られるのか

大規模言語モデルは、インターネット上の文章や書籍など膨大なテキストを学習し、「この文脈の次に来そうな言葉」を予測する能力を身につけています。質問に答えるときも、データベースから正解を検索しているのではなく、**もっともらしい言葉を一つずつつなげて文章を組み立てて**います。

このしくみから、次の重要な性質が生まれます。

- 文章は自然で説得力があるが、**内容が正しいとは限らない**
- 学習した時点より後の出来事や、社内だけの情報は知らない（検索機能や社内文書と連携している場合を除く）
- 同じ質問でも、聞くたびに答えが少しずつ変わることがある

## 押さえておきたい用語

| 用語 | 意味 |
| --- | --- |
| プロンプト | AIへの指示や質問として入力する文章 |
| ハルシネーション | 事実と異なる内容を、もっともらしく出力してしまう現象 |
| コンテキスト | 会話の中でAIが参照できる、これまでのやり取りや添付資料 |

生成AIは「何でも知っている専門家」ではなく、「文章を素早く書ける、ただし確認が必要なアシスタント」だと考えると、付き合い方を誤りません。
`),
				demoReading("得意なこと・苦手なこと", "What it does well and what it does not", 8, `
## 得意なこと

生成AIは、**形を整える・言い換える・たたき台を作る**作業が得意です。

- メールや報告書の下書き、敬語への書き換え
- 長い文章や会議メモの要約、箇条書きへの整理
- 企画のアイデア出し、見出しや構成案の作成
- 表現のチェック、わかりやすい言い回しの提案
- 日本語と英語などの翻訳の下訳

## 苦手なこと

一方で、次のような作業は苦手で、任せきりにすると失敗します。

| 苦手なこと | 起こりやすい失敗 | 対策 |
| --- | --- | --- |
| 正確な事実・数値の提示 | 存在しない統計や法令の条文をでっち上げる | 一次情報（公的機関の資料など）で必ず確認する |
| 最新情報 | 古い制度や料金を前提に回答する | 日付を確認し、公式サイトで裏を取る |
| 複雑な計算 | 桁や単位を間違える | 計算は表計算ソフトで行う |
| 社内固有の事情 | 一般論でもっともらしく答える | 必要な前提を人が補い、判断は人が行う |

## 判断と責任は人に残る

生成AIの出力をもとにした文書でも、**その内容に責任を持つのは作成した本人と組織**です。「AIがそう書いたから」は言い訳になりません。AIは作業を速くする道具であり、最終的な判断と確認は人が行う、という原則を常に意識しましょう。
`),
				demoReading("業務での活用場面", "Where it helps at work", 6, `
## 活用の第一歩は「下書き」と「整理」

はじめて業務で使う場合は、失敗しても影響が小さく、効果がわかりやすい仕事から始めるのがおすすめです。

1. **定型メールの下書き**：お礼、日程調整、お詫びなど。要点を箇条書きで渡し、文章化させます。
2. **会議メモの整理**：手書きメモを入力し、決定事項・宿題・期限に分けて整理させます。
3. **資料の構成案**：目的と読み手を伝え、見出し案を複数出させてから人が選びます。
4. **文章の推敲**：自分の書いた文章を「より簡潔に」「専門用語を減らして」と直させます。

## 効果を正しく測る

生成AIの効果は「AIが出力するまでの時間」ではなく、**確認・修正にかかる時間も含めた合計**で評価します。たとえば、60分かかっていた議事録作成が、下書き10分と確認15分の計25分になれば、1回あたり35分の削減です。確認を省いて時間を稼ぐのは本末転倒です。

## 向かない場面

人事評価や採用の合否、顧客への最終回答、契約や法務の判断など、**人の権利や重要な意思決定に直結する場面**では、AIの出力を判断の根拠にしてはいけません。参考意見の一つにとどめ、必ず担当者が根拠を確認して判断します。
`),
			),
			demoModule("伝わるプロンプトの書き方", "Writing prompts that work",
				demoReading("プロンプトの基本構成", "The parts of a good prompt", 10, `
## よいプロンプトは「仕事の依頼書」

生成AIへの指示は、新しく配属された同僚に仕事を頼むときと同じです。「いい感じにまとめて」では、期待どおりの結果は返ってきません。次の5つの要素を意識すると、出力の質が安定します。

| 要素 | 内容 | 例 |
| --- | --- | --- |
| 役割 | AIにどの立場で書いてほしいか | 総務部の担当者として |
| 目的 | 何のための文章か | 全社員に新しい経費精算ルールを周知する |
| 背景・材料 | 前提となる事実や資料 | 変更点は次の3つ…… |
| 条件 | 文字数、トーン、避けたい表現 | 400字以内、です・ます調 |
| 出力形式 | どんな形で欲しいか | 件名と本文、箇条書き3点 |

## 例

~~~
あなたは総務部の担当者です。
全社員向けに、4月から変わる経費精算ルールを知らせるメールを書いてください。

# 変更点
- 申請期限を「翌月10日」から「翌月5日」に変更
- 領収書は紙ではなく画像アップロードで提出
- 5,000円以上の会食は事前申請が必要

# 条件
- 400字以内、です・ます調
- 変更点は箇条書きにする
- 問い合わせ先として「総務部 経費担当」を最後に記載する

# 出力形式
件名と本文
~~~

見出しや箇条書きで区切ると、AIにも人にも読みやすいプロンプトになります。
`),
				demoReading("改善のコツ：具体化と反復", "Refining: be specific and iterate", 8, `
## 一度で完璧を求めない

プロンプトは一回で完成させるものではありません。出力を見て、足りない点を具体的に伝え直すことで精度が上がります。

## 改善の4つのテクニック

1. **具体的に言い換える**：「わかりやすく」ではなく「入社1年目の社員が読んでわかるように、専門用語には説明を添えて」と伝えます。
2. **例を見せる**：望ましい文体や形式の見本を1〜2例示すと、それに合わせた出力になりやすくなります。
3. **段階に分ける**：「まず論点を箇条書きで出して」「次にその論点で本文を書いて」と、作業を分けて依頼します。
4. **質問させる**：「不足している情報があれば、書き始める前に質問してください」と加えると、前提の抜け漏れを防げます。

## 改善前と改善後

| | プロンプト |
| --- | --- |
| 改善前 | 新商品の紹介文を書いて |
| 改善後 | 中小企業の経理担当者向けに、請求書の自動読み取りサービスの紹介文を書いてください。強みは「入力時間を半減」「既存の会計ソフトと連携」の2点です。200字程度、誇張表現は使わないでください。 |

改善後は、読み手・商品・強み・分量・禁止事項がはっきりしているため、修正の手間が大きく減ります。うまくいったプロンプトは部署内で共有し、テンプレートとして再利用しましょう。
`),
				demoReading("出力の確認と事実チェック", "Checking the output", 8, `
## 確認は省略できない工程

生成AIの出力は、もっともらしく見えるほど誤りに気づきにくくなります。業務で使う前に、次のチェックリストで確認する習慣をつけましょう。

## 出力チェックリスト

- **事実**：人名、日付、金額、制度名、法令名は一次情報で確認したか
- **数値**：計算や単位は正しいか（表計算ソフトで再計算したか）
- **出典**：示された出典やURLは実在し、内容と一致しているか
- **指示との一致**：文字数、トーン、必須項目など、依頼した条件を満たしているか
- **偏り**：特定の性別・年代・国籍などに対する偏見や、不適切な表現はないか
- **機密**：社外に出せない情報が文章に紛れ込んでいないか

## 存在しない出典に注意

生成AIは、実在しない論文名、統計、裁判例を**それらしい形式で**示すことがあります。出典が示されていても安心せず、必ず原典にあたってください。原典が見つからない情報は使わないのが原則です。

## 確認の深さはリスクに合わせる

社内の雑談レベルのメモと、顧客に送る提案書とでは、求められる確認の深さが違います。社外に出る文書、金額や契約に関わる文書、個人に影響する文書ほど、複数人でのチェックを組み込みましょう。
`),
			),
			demoModule("安全な利用と情報の取り扱い", "Safe use and data handling",
				demoReading("入力してはいけない情報", "What never to enter", 10, `
## 入力した情報はどこへ行くのか

一般向けの生成AIサービスでは、入力した内容がサービス提供者のサーバーに送信され、設定や契約によってはAIの学習や品質改善に利用されることがあります。**一度送信した情報は取り消せない**と考えて行動することが基本です。

## 情報の区分と取り扱いルールの例

| 区分 | 例 | 一般向けサービスへの入力 |
| --- | --- | --- |
| 公開情報 | 自社サイトの会社概要、公表済みのプレスリリース | 可 |
| 社内限り | 社内手順書、一般的な業務メモ | 会社が許可したサービスのみ可 |
| 機密情報 | 未発表の製品情報・価格、経営計画、契約書 | 不可 |
| 個人情報 | 顧客や社員の氏名・連絡先・評価・健康情報 | 不可 |
| 認証情報 | パスワード、APIキー、社内システムのURLとID | 絶対不可 |

## 安全に使うための工夫

- 会社が契約した法人向けサービス（入力データを学習に使わない契約のもの）を使う
- 個人名や社名は「A社」「担当者B」のように置き換えてから入力する
- 利用するサービスの設定で、学習への利用を停止できる場合は停止する
- 迷ったら入力せず、情報システム部門や上司に確認する

ルールは会社ごとに異なります。必ず自社の利用ガイドラインを確認し、それに従ってください。
`),
				demoReading("著作権・偏り・説明責任", "Copyright, bias and accountability", 8, `
## 著作権への配慮

生成AIの出力が、既存の文章や画像とよく似たものになることがあります。出力をそのまま社外向けの資料や広告に使うと、他人の著作権を侵害するおそれがあります。

- 特定の作家・作品名を挙げて「その作風で」と指示する使い方は避ける
- 社外に公開する文章・画像は、既存の作品と酷似していないか確認する
- 他人の文章を大量に貼り付けて加工する場合は、利用目的と権利を確認する

## 偏り（バイアス）への注意

AIは学習データに含まれる偏りを引き継ぎます。たとえば職業と性別を結びつけた表現や、特定の地域・年代に対するステレオタイプが出力に含まれることがあります。求人票、評価コメント、顧客向け文書では特に注意して読み直しましょう。

## 説明責任と透明性

- 重要な文書では、どの部分にAIを使ったかを記録しておく
- 取引先や顧客との約束でAI利用に制限がある場合は、それに従う
- AIで作成した画像や文章であることを明示すべき場面（広報物など）があることを知っておく

「誰が、何を根拠に、その内容を確認したのか」を説明できる状態にしておくことが、組織としての信頼につながります。
`),
				demoReading("職場の利用ルールづくり", "Drafting workplace rules", 8, `
## ルールは「禁止」より「使い方の道しるべ」

全面禁止にすると、社員が個人のアカウントで隠れて使う「シャドーAI」が生まれ、かえってリスクが高まります。安全な使い方を示し、安心して使える環境を整えることが大切です。

## 利用ガイドラインに盛り込む項目

1. **対象サービス**：会社が利用を認めるサービスと、その契約・設定
2. **入力禁止情報**：個人情報、機密情報、認証情報など（前のレッスンの区分表を参考に）
3. **出力の取り扱い**：事実確認の義務、社外に出す前のレビュー手順
4. **禁止する用途**：人事評価や採否の判断、顧客への最終回答などへの直接利用
5. **記録と相談窓口**：重要文書でのAI利用の記録方法、迷ったときの問い合わせ先
6. **見直し**：サービスや法令の変化に合わせ、少なくとも年1回見直す

## 定着させるために

ガイドラインは配るだけでは守られません。部署ごとに「うまくいった使い方」を共有する場を設けると、ルールと活用が同時に広がります。また、誤って機密情報を入力してしまったときに、**責めずにすぐ報告できる**雰囲気をつくっておくことが、被害を最小限にする一番の近道です。
`),
			),
			demoModule("確認テスト", "Check your understanding",
				demoQuiz("確認テスト：生成AIの安全な活用", "Quiz: using generative AI safely", 70,
					demoSingle("生成AIが、事実と異なる内容をもっともらしく出力してしまう現象を何と呼びますか。",
						"**ハルシネーション**が正解です。生成AIは「次に来そうな言葉」をつなげて文章を作るため、根拠のない内容でも自然な文章として出力することがあります。プロンプトインジェクションは、悪意のある指示でAIの動作を乗っ取る攻撃のことです。",
						demoRight("ハルシネーション"), demoWrong("プロンプトインジェクション"), demoWrong("ファインチューニング"), demoWrong("オーバーフィッティング")),
					demoMultiple("会社が許可していない一般向けの生成AIサービスに入力してはいけない情報を**すべて**選んでください。",
						"顧客の個人情報、未発表の価格、契約書の本文はいずれも入力してはいけません。一方、自社サイトで公開済みの会社概要は公開情報なので入力しても問題ありません。迷ったら入力しないのが原則です。",
						demoRight("顧客の氏名と電話番号の一覧"), demoRight("発表前の新製品の販売価格"), demoRight("取引先と締結した契約書の本文"), demoWrong("自社Webサイトで公開済みの会社概要")),
					demoTrueFalse("「生成AIの出力は、社内だけで使う資料であれば確認せずにそのまま使ってよい。」",
						"**誤り**です。社内資料であっても、誤った数値や事実が意思決定を誤らせるおそれがあります。確認の深さはリスクに合わせて調整しますが、確認そのものを省略してはいけません。", false),
					demoSingle("出力の質を上げるために、プロンプトに含めるべき情報として最も適切なものはどれですか。",
						"目的・読み手・出力形式を伝えると、AIは依頼の意図に沿った文章を作りやすくなります。挨拶は出力の質にほとんど影響せず、個人情報や無関係な情報は入れるべきではありません。",
						demoRight("文章の目的、読み手、希望する出力形式"), demoWrong("丁寧な挨拶とお礼の言葉"), demoWrong("関係する社員の氏名と連絡先"), demoWrong("これまでのメールのやり取りすべて")),
					demoNumeric("議事録の作成に、これまで1回60分かかっていました。生成AIを使うと、下書き作成に10分、人による確認・修正に15分かかります。会議が月に20回ある場合、1か月で削減できる時間は何時間ですか（小数第1位まで）。",
						"1回あたりの削減は 60 − (10 + 15) = 35分、月20回で 35 × 20 = 700分、700 ÷ 60 ≒ **11.7時間**です。効果は確認・修正の時間も含めて測りましょう。",
						700.0/60, 0.05),
				),
			),
		},
	}
}

// demoCourseCloud: クラウド基礎：しくみと設計の考え方.
func demoCourseCloud() catalog.Content {
	return catalog.Content{
		TitleJa:   "クラウド基礎：しくみと設計の考え方",
		TitleEn:   "Cloud Fundamentals: How It Works and How to Design for It",
		SummaryJa: "クラウドコンピューティングのしくみ、IaaS・PaaS・SaaSの違い、責任共有モデル、可用性・拡張性・コストを踏まえた設計の考え方を、特定の事業者に偏らずに学ぶ入門講座です。",
		SummaryEn: "A vendor-neutral introduction to cloud computing: how it works, the differences between IaaS, PaaS and SaaS, the shared responsibility model, and how to design for availability, scalability and cost.",
		DescriptionMd: `
クラウドは、いまや情報システムの標準的な選択肢です。しかし「サーバーを借りる場所」程度の理解のまま移行すると、セキュリティ事故や想定外の請求、障害時の長時間停止を招きます。この講座では、特定のクラウド事業者の操作方法ではなく、**どの事業者でも通用する考え方**を身につけます。

## 対象者

- 社内システムのクラウド移行や、新しいクラウドサービスの導入に関わる情報システム部門の方
- クラウドを使った開発・運用にこれから携わるエンジニアの方
- ベンダーからの提案を評価する立場にある企画・管理部門の方

## この講座でできるようになること

- クラウドの特徴と、IaaS・PaaS・SaaS の違いを説明できる
- 責任共有モデルに基づき、利用者が担うべきセキュリティ対策を挙げられる
- SLA の数値から許容される停止時間を計算し、冗長化の必要性を判断できる
- スケーラビリティとコストを意識した構成の基本方針を立てられる

## 前提知識

サーバー、ネットワーク、IPアドレスといった基本的なIT用語を聞いたことがあれば受講できます。ITパスポート試験程度の知識があると理解がよりスムーズです。
`,
		SkillArea:      "cloud",
		Level:          catalog.LevelIntroductory,
		EstimatedHours: 8,
		Language:       "ja",
		DeliveryMode:   catalog.DeliverySelfPaced,
		Modules: []catalog.Module{
			demoModule("クラウドとは何か", "What the cloud is",
				demoReading("オンプレミスとクラウドの違い", "On-premises and cloud compared", 10, `
## クラウドコンピューティングの定義

米国国立標準技術研究所（NIST）は、クラウドコンピューティングの本質的な特徴として次の5つを挙げています。

1. **オンデマンド・セルフサービス**：利用者が必要なときに、事業者の担当者を介さず自分で資源を用意できる
2. **幅広いネットワークアクセス**：ネットワーク経由で、さまざまな端末から利用できる
3. **リソースの共用**：事業者の設備を多数の利用者で共有し、需要に応じて割り当てる
4. **スピーディな拡張性**：必要に応じて資源をすばやく増減できる
5. **サービスが計測可能**：利用量が計測され、使った分だけ課金・管理される

## オンプレミスとの比較

| 観点 | オンプレミス（自社で保有） | クラウド |
| --- | --- | --- |
| 初期費用 | 機器購入・設置が必要で大きい | ほぼ不要 |
| 調達期間 | 数週間〜数か月 | 数分〜数時間 |
| 費用の性質 | 資産（減価償却） | 利用料（従量課金が中心） |
| 拡張・縮小 | 機器の追加購入が必要、縮小は困難 | 設定で増減できる |
| 設備の管理 | すべて自社 | 物理設備は事業者 |
| 自由度 | 高い | 事業者が提供する範囲内 |

クラウドは「安い」から選ぶものではありません。需要の変動が大きい、早く始めたい、設備の運用から解放されたい、といった**目的に合うときに**真価を発揮します。
`),
				demoReading("IaaS・PaaS・SaaSと配置モデル", "IaaS, PaaS, SaaS and deployment models", 10, `
## サービスモデル

クラウドは、事業者がどこまでを提供するかによって3つに分類されます。

| モデル | 事業者が提供するもの | 利用者が管理するもの | 例 |
| --- | --- | --- | --- |
| IaaS | 仮想サーバー、ストレージ、ネットワーク | OS、ミドルウェア、アプリ、データ | 仮想マシン、ブロックストレージ |
| PaaS | IaaS に加え OS・実行環境・データベース | アプリ、データ、設定 | マネージドデータベース、アプリ実行基盤 |
| SaaS | アプリケーションまで全部 | データ、利用者とその権限、設定 | Web メール、グループウェア、会計ソフト |

IaaS は自由度が高い反面、OS のパッチ適用など管理の手間も多くなります。SaaS は手軽ですが、機能や設定は事業者が用意した範囲に限られます。

## 配置モデル

- **パブリッククラウド**：事業者の設備を不特定多数の利用者で共有する形態
- **プライベートクラウド**：特定の組織専用のクラウド環境
- **ハイブリッドクラウド**：オンプレミスやプライベートクラウドとパブリッククラウドを組み合わせる形態
- **マルチクラウド**：複数の事業者のクラウドを使い分ける形態

## 選び方の考え方

「できるだけ上位のモデルを選ぶ」のが基本方針です。自社で管理する範囲が狭いほど、運用負荷とセキュリティ上の抜け漏れを減らせます。独自の要件があってどうしても必要な場合にだけ、下位のモデル（IaaS）を選びます。
`),
			),
			demoModule("責任共有モデルとセキュリティ", "The shared responsibility model and security",
				demoReading("責任共有モデル", "The shared responsibility model", 12, `
## セキュリティは事業者と利用者で分担する

クラウドでは、セキュリティの責任を事業者と利用者が分担します。これを**責任共有モデル**と呼びます。「クラウドに置いたから安全」なのではなく、**利用者が担う部分を正しく管理して初めて安全になる**という考え方です。

## サービスモデル別の分担

| 管理対象 | オンプレミス | IaaS | PaaS | SaaS |
| --- | --- | --- | --- | --- |
| データ・アクセス権 | 利用者 | 利用者 | 利用者 | 利用者 |
| アプリケーション | 利用者 | 利用者 | 利用者 | 事業者 |
| ミドルウェア・実行環境 | 利用者 | 利用者 | 事業者 | 事業者 |
| OS | 利用者 | 利用者 | 事業者 | 事業者 |
| 仮想化基盤 | 利用者 | 事業者 | 事業者 | 事業者 |
| 物理サーバー・ネットワーク | 利用者 | 事業者 | 事業者 | 事業者 |
| データセンター（建物・電源・入退室） | 利用者 | 事業者 | 事業者 | 事業者 |

## どのモデルでも利用者に残るもの

表の一番上の行に注目してください。**データとアクセス権の管理は、SaaS であっても必ず利用者の責任**です。実際、クラウドでの情報漏えいの多くは、事業者の設備の欠陥ではなく、次のような利用者側の設定ミスから起きています。

- ストレージの公開設定を誤り、誰でも閲覧できる状態にしていた
- 退職者のアカウントを削除していなかった
- 管理者アカウントに多要素認証を設定していなかった

契約前に、事業者が公開している責任分担の資料を確認し、自社が担う範囲を一覧にしておきましょう。
`),
				demoReading("IDとアクセス管理", "Identity and access management", 10, `
## クラウドの「鍵」はIDである

クラウドはインターネット経由で管理するため、管理画面にログインできる ID とパスワードが盗まれれば、世界中どこからでもシステムを操作されてしまいます。クラウドのセキュリティは **ID とアクセス管理（IAM）** から始まります。

## 基本の対策

1. **最上位の管理者アカウントを日常的に使わない**：契約時に作られる全権限のアカウントは、多要素認証を設定したうえで保管し、普段は権限を絞った個人用アカウントを使います。
2. **全員に多要素認証（MFA）を必須にする**：パスワードが漏れても、それだけではログインできなくなります。
3. **最小権限の原則**：業務に必要な権限だけを与えます。「とりあえず管理者権限」は厳禁です。
4. **個人ではなく役割に権限を付ける**：「開発者」「運用担当」などのロール（グループ）に権限を設定し、人をロールに所属させます。異動や退職の際の付け替えが確実になります。
5. **アクセスキーを埋め込まない**：プログラムのソースコードや設定ファイルに認証情報を直接書かず、クラウドの秘密情報管理サービスや、サーバーに割り当てる一時的な権限を使います。

## 定期的な棚卸し

少なくとも四半期に一度、アカウントと権限の一覧を確認し、使われていないアカウントや過剰な権限を削除します。操作ログ（監査ログ）を有効にして保管しておけば、不審な操作に気づくことができ、事故の調査にも役立ちます。
`),
				demoReading("ネットワークとデータの保護", "Protecting networks and data", 10, `
## ネットワークを分ける

クラウドでは、仮想的な専用ネットワーク（VPC や VNet と呼ばれます）の中にサーバーを配置します。その中をさらに**サブネット**に分け、役割ごとに公開範囲を決めます。

| サブネット | 配置するもの | インターネットからの接続 |
| --- | --- | --- |
| パブリック | ロードバランサー、踏み台 | 必要なポートのみ許可 |
| プライベート | アプリケーションサーバー | 直接は不可 |
| データ | データベース | 不可（アプリからのみ） |

各サーバーへの通信は、セキュリティグループ（仮想ファイアウォール）で「どこから・どのポートへ」を許可リスト方式で制御します。

## データを守る3つの柱

- **暗号化**：保存時の暗号化（ストレージやデータベースの暗号化機能）と、通信時の暗号化（TLS）を両方とも有効にします。
- **バックアップ**：自動バックアップを設定し、保管期間を決めます。本番とは別のアカウントやリージョンにコピーを置くと、誤操作や攻撃への備えになります。
- **復元テスト**：バックアップは、戻せることを確かめて初めて意味があります。定期的に復元の手順を実際に試しましょう。

## 公開設定の確認

ストレージを誤って一般公開してしまう事故は後を絶ちません。多くのクラウドには、アカウント全体で公開を禁止する設定や、危険な設定を自動で検出する機能があります。最初に有効にしておきましょう。
`),
			),
			demoModule("設計の考え方", "Design principles",
				demoReading("可用性と冗長化", "Availability and redundancy", 12, `
## 「壊れる前提」で設計する

クラウドの機器も故障します。大切なのは、**一部が壊れてもサービス全体は止まらない**ように設計することです。

## リージョンとアベイラビリティゾーン

- **リージョン**：東京、大阪のように地理的に離れた、独立したデータセンター群
- **アベイラビリティゾーン（AZ）**：1つのリージョン内にある、電源やネットワークが独立した複数のデータセンター群

サーバーを複数の AZ に分散して配置し、前段にロードバランサーを置けば、1つのデータセンターが停止しても残りでサービスを続けられます。大規模災害まで考える場合は、別リージョンへのバックアップや切り替えも検討します。

## SLA と停止時間

SLA（サービス品質保証）の稼働率は、許容される停止時間に換算すると実感がわきます。30日の月（720時間）の場合は次のとおりです。

| 稼働率 | 1か月に許容される停止時間 |
| --- | --- |
| 99% | 7.2時間 |
| 99.9% | 43.2分 |
| 99.99% | 約4.3分 |

計算式は「720時間 ×（1 − 稼働率）」です。たとえば 99.9% なら 720 × 0.001 = 0.72時間 = 43.2分となります。

## 構成全体の稼働率

直列につながった部品は、すべてが動いて初めてサービスが動くため、全体の稼働率は各部品の稼働率の**積**になり、部品が増えるほど下がります。逆に、同じ役割の部品を並列に置けば、両方が同時に止まらない限り動き続けるため、稼働率は上がります。
`),
				demoReading("スケーラビリティと疎結合", "Scalability and loose coupling", 10, `
## スケールアップとスケールアウト

- **スケールアップ**：サーバー1台の性能（CPU やメモリ）を上げる。手軽だが上限があり、切り替え時に停止を伴うことが多い
- **スケールアウト**：同じ構成のサーバーの台数を増やす。上限が高く、1台が壊れても影響が小さい

クラウドでは、負荷に応じて台数を自動で増減する**オートスケーリング**を使い、スケールアウトを前提に設計するのが一般的です。

## スケールアウトできる設計にするには

1. **サーバーに状態を持たせない（ステートレス）**：ログイン情報やアップロードファイルをサーバー内に保存せず、データベースやオブジェクトストレージなど共有の場所に置きます。どのサーバーが処理しても同じ結果になれば、台数を自由に増減できます。
2. **処理を疎結合にする**：重い処理はキュー（待ち行列）に入れ、別のワーカーが順に処理します。受付と処理が分かれていれば、一時的な負荷の山も吸収できます。
3. **マネージドサービスを活用する**：データベースやキューを自前で構築せず、事業者が運用するサービスを使うと、冗長化や拡張を任せられます。

## 注意点

自動で台数が増えるということは、**費用も自動で増える**ということです。オートスケーリングには必ず上限台数を設定し、次のレッスンで学ぶ予算アラートと組み合わせて使いましょう。
`),
				demoReading("コスト管理の基本", "Managing cost", 8, `
## 従量課金は「使い方次第」

クラウドの費用は、使った分だけ支払う従量課金が基本です。うまく使えば無駄がなくなりますが、放置された資源が静かに費用を生み続けることもあります。

## コスト管理の5つの習慣

1. **予算とアラートを設定する**：月の予算を決め、実績や予測が一定割合を超えたら通知されるようにします。
2. **タグで持ち主を明らかにする**：すべての資源に「部署」「システム名」「環境（本番・検証）」などのタグを付け、費用を部署やシステム別に集計できるようにします。
3. **適切なサイズを選ぶ（ライトサイジング）**：CPU やメモリの使用率を定期的に確認し、過大なサーバーは小さいものに変更します。
4. **使わない時間は止める**：開発・検証環境は夜間や休日に自動停止するだけで、費用を大きく減らせます。
5. **長期利用は割引を活用する**：常に動かし続けるサーバーは、1年・3年などの利用を約束することで割引を受けられる料金体系があります。

## 見落としやすい費用

| 費用 | 内容 |
| --- | --- |
| データ転送料 | クラウドからインターネットへの送信や、リージョン間の通信 |
| ストレージ | 削除し忘れたディスク、古いスナップショットやバックアップ |
| 固定IPアドレス | 使っていない割り当てに課金される場合がある |

費用の一覧を毎月チームで確認し、「誰が何のために使っているか」を説明できない資源は削除を検討しましょう。
`),
			),
			demoModule("確認テスト", "Check your understanding",
				demoQuiz("確認テスト：クラウドの基礎", "Quiz: cloud fundamentals", 70,
					demoSingle("責任共有モデルにおいて、**IaaS** を利用する場合に利用者の責任となるものはどれですか。",
						"IaaS では、事業者が提供するのは仮想サーバーまでで、その上のゲストOSのパッチ適用は利用者の責任です。データセンターの入退室管理、物理サーバーの交換、仮想化基盤の保守は事業者が担います。",
						demoRight("仮想サーバーのOSへのセキュリティパッチ適用"), demoWrong("データセンターの入退室管理"), demoWrong("故障した物理サーバーの交換"), demoWrong("仮想化基盤（ハイパーバイザー）の保守")),
					demoMultiple("**SaaS** を利用する場合でも、利用者が責任を持つものを**すべて**選んでください。",
						"データの管理と、利用者アカウント・アクセス権の管理は、どのサービスモデルでも利用者の責任です。アプリケーションの脆弱性修正や物理ネットワークの保守は、SaaS では事業者が担います。",
						demoRight("保存するデータの分類と管理"), demoRight("利用者アカウントとアクセス権の管理"), demoWrong("アプリケーションのソースコードの脆弱性修正"), demoWrong("データセンター内のネットワーク機器の保守")),
					demoNumeric("稼働率 99.9% を保証する SLA の場合、30日の月に許容される停止時間は何分ですか。",
						"30日 × 24時間 = 720時間、720時間 × (1 − 0.999) = 0.72時間、0.72 × 60 = **43.2分**です。",
						43.2, 0.1),
					demoTrueFalse("「サーバーを複数のアベイラビリティゾーンに分散して配置すると、1つのデータセンターの障害でサービス全体が止まる可能性を下げられる。」",
						"**正しい**です。アベイラビリティゾーンは電源やネットワークが独立しているため、1つが停止しても別のゾーンのサーバーで処理を続けられます。", true),
					demoSingle("負荷に応じてサーバーの台数を自動で増やしたり減らしたりするしくみを何と呼びますか。",
						"**オートスケーリング**です。設定した指標（CPU使用率など）に応じて台数を増減します。費用が自動で増えないよう、上限台数の設定を忘れないようにしましょう。",
						demoRight("オートスケーリング"), demoWrong("スナップショット"), demoWrong("VPN（仮想専用線）"), demoWrong("DNSキャッシュ")),
				),
			),
		},
	}
}

// demoCourseSecureCoding: セキュアコーディング実践.
func demoCourseSecureCoding() catalog.Content {
	return catalog.Content{
		TitleJa:   "セキュアコーディング実践",
		TitleEn:   "Secure Coding in Practice",
		SummaryJa: "SQLインジェクション、XSS、CSRF、認証の不備など、Webアプリケーションで繰り返し起きている脆弱性を、脆弱なコードと修正後のコードを比べながら学びます。レビューとテストで脆弱性を作り込まない開発の進め方も身につけます。",
		SummaryEn: "Learn the vulnerabilities that keep recurring in web applications (SQL injection, XSS, CSRF, broken authentication) by comparing vulnerable code with fixed code, and how to review and test so that they are not built in.",
		DescriptionMd: `
情報漏えいやサービス停止につながる脆弱性の多くは、特別な攻撃手法ではなく、**よく知られた誤りの繰り返し**から生まれています。この講座では、OWASP Top 10 や IPA「安全なウェブサイトの作り方」で取り上げられている代表的な脆弱性について、なぜ起きるのか、どう直すのかを具体的なコードで学びます。

## 対象者

- Web アプリケーションの開発に携わって1年以上のエンジニアの方
- コードレビューでセキュリティの観点を持ちたいチームリーダーの方
- 開発を委託する立場で、発注先に求める対策を理解したい方

## この講座でできるようになること

- 信頼境界を意識し、入力値の検証と出力時のエスケープを正しく使い分けられる
- SQLインジェクションの原因を説明し、パラメータ化クエリで修正できる
- XSS、CSRF、セッション管理の不備を防ぐ実装を選べる
- パスワードを安全な方式で保存し、認証まわりの典型的な誤りを避けられる
- レビュー、静的解析、依存関係の管理を開発の流れに組み込める

## 前提知識

何らかのプログラミング言語で Web アプリケーションを作った経験と、SQL の基本（SELECT、WHERE）の理解を前提とします。コード例は Go で示しますが、考え方はどの言語でも共通です。
`,
		SkillArea:      "software_engineering",
		Level:          catalog.LevelIntermediate,
		EstimatedHours: 12,
		Language:       "ja",
		DeliveryMode:   catalog.DeliverySelfPaced,
		Modules: []catalog.Module{
			demoModule("脆弱性が生まれる理由", "Why vulnerabilities happen",
				demoReading("セキュアコーディングの原則", "Principles of secure coding", 10, `
## 脆弱性は「想定外の入力」から生まれる

多くの脆弱性は、開発者が想定していなかった入力によって、プログラムが意図しない動作をすることで生まれます。個々の対策を覚える前に、次の原則を身につけておくと、初めて見る種類の問題にも応用が利きます。

## 7つの原則

1. **入力を信頼しない**：ブラウザ、外部 API、ファイル、さらには他システムが書き込んだデータベースの値も、検証するまでは信頼しません。
2. **許可リストで検証する**：「危険な文字を取り除く」拒否リストではなく、「許される形式だけを受け付ける」許可リストで検証します。
3. **出力先に合わせて無害化する**：HTML、SQL、シェル、URL など、値を埋め込む先の文法に合わせたエスケープや API を使います。
4. **最小権限**：アプリケーションが使うデータベースユーザーや OS ユーザーには、必要最小限の権限だけを与えます。
5. **安全側に倒す**：エラーや想定外の状態では、処理を拒否する側に倒します。権限の確認に失敗したら「許可」ではなく「拒否」です。
6. **多層防御**：1つの対策が破られても被害が広がらないよう、複数の層で守ります。
7. **秘密情報をコードに書かない**：パスワードや API キーは環境変数や秘密情報管理の仕組みから読み込みます。

## 仕様とセットで考える

セキュリティは後から付け足すものではありません。「誰が、どのデータに、何をしてよいか」を仕様の段階で明確にしておくことが、アクセス制御の不備を防ぐ一番の近道です。
`),
				demoReading("信頼境界と入力の検証", "Trust boundaries and input validation", 10, `
## 信頼境界とは

信頼境界とは、信頼できる領域（自分のサーバーの中）と、信頼できない領域（利用者のブラウザやインターネット）の境目のことです。**境界を越えて入ってくるデータは、すべて攻撃者が自由に作れる**と考えます。

## 見落としやすい入力

| 入力 | 見落としやすい理由 |
| --- | --- |
| フォームの hidden 項目、選択肢 | 画面で選ばせていても、送信内容は書き換えられる |
| URL のパラメータ、パス | 利用者がアドレス欄で自由に変更できる |
| Cookie、HTTP ヘッダー | ブラウザ以外のツールで任意の値を送れる |
| アップロードファイル | 拡張子と中身が一致するとは限らない |
| 外部 API の応答 | 連携先が侵害されれば攻撃の入口になる |

## サーバー側で検証する

ブラウザの JavaScript による入力チェックは使い勝手のためのもので、**セキュリティ対策にはなりません**。同じ検証を必ずサーバー側でも行います。

~~~go
// 許可リストによる検証の例：都道府県コードは "01"〜"47" のみ受け付ける
func validPrefecture(code string) bool {
	if len(code) != 2 {
		return false
	}
	n, err := strconv.Atoi(code)
	return err == nil && n >= 1 && n <= 47
}
~~~

検証は「型・長さ・形式・範囲」の順に確認すると漏れが減ります。検証に通った値でも、出力先での無害化（次のモジュール）は別途必要である点に注意してください。
`),
			),
			demoModule("インジェクション対策", "Preventing injection",
				demoReading("SQLインジェクションのしくみ", "How SQL injection works", 12, `
## 文字列連結が問題の原因

SQLインジェクションは、利用者の入力を SQL 文に**文字列として連結**することで、入力が SQL の一部として解釈されてしまう脆弱性です。

## 脆弱なコード

~~~go
// 脆弱な例：入力値をそのまま SQL に連結している
func findUser(db *sql.DB, email string) (*User, error) {
	query := "SELECT id, name FROM users WHERE email = '" + email + "'"
	row := db.QueryRow(query)
	// ...
}
~~~

## 攻撃の例

攻撃者がメールアドレス欄に次の文字列を入力したとします。

~~~
' OR '1'='1
~~~

組み立てられる SQL は次のようになります。

~~~sql
SELECT id, name FROM users WHERE email = '' OR '1'='1'
~~~

WHERE 句が常に真になり、すべての利用者の情報が返ってしまいます。入力によっては、データの改ざんや削除、認証の回避、さらにはデータベースサーバー上での任意の操作につながることもあります。

## よくある誤った対策

- **シングルクォートを取り除く、置き換える**：数値の項目や文字コードの違いを突いた攻撃には無力で、正しいデータ（例：O'Brien さん）も壊します。
- **エラーメッセージを隠す**：攻撃を難しくするだけで、脆弱性そのものは残ります。
- **WAF だけに頼る**：回避される手法が次々と見つかります。WAF は多層防御の一つであり、コードの修正の代わりにはなりません。
`),
				demoReading("パラメータ化クエリによる修正", "Fixing it with parameterised queries", 12, `
## プレースホルダで値を分離する

根本的な対策は、SQL 文の構造と値を分けて送る**パラメータ化クエリ**（プレースホルダ）を使うことです。値はデータベースドライバによって常に「値」として扱われ、SQL の構文として解釈されることはありません。

~~~go
// 修正後：プレースホルダ（PostgreSQL では $1, $2 ...）を使う
func findUser(ctx context.Context, db *sql.DB, email string) (*User, error) {
	var u User
	err := db.QueryRowContext(ctx,
		"SELECT id, name FROM users WHERE email = $1", email,
	).Scan(&u.ID, &u.Name)
	if err != nil {
		return nil, err
	}
	return &u, nil
}
~~~

先ほどの攻撃文字列を入力しても、「' OR '1'='1 というメールアドレスの利用者」を探すだけになり、該当者なしで終わります。

## プレースホルダが使えない場所

テーブル名、列名、ORDER BY の並び順、ASC/DESC などの**識別子やキーワードはプレースホルダで渡せません**。これらは利用者の入力を直接埋め込まず、許可リストから選びます。

~~~go
// 並び替えの列は許可リストから選ぶ
var sortColumns = map[string]string{
	"name":    "name",
	"created": "created_at",
}

col, ok := sortColumns[r.URL.Query().Get("sort")]
if !ok {
	col = "created_at" // 想定外の値は既定値に
}
query := "SELECT id, name FROM users ORDER BY " + col
~~~

## ORM を使う場合

ORM の多くは内部でプレースホルダを使いますが、生の SQL を書く機能や、並び順・条件を文字列で渡す機能では、文字列連結と同じ問題が起こります。ORM を使っていても「値はプレースホルダ、識別子は許可リスト」という原則は変わりません。
`),
				demoReading("OSコマンド・パス操作のインジェクション", "OS command and path injection", 10, `
## OSコマンドインジェクション

外部コマンドを呼び出すときにシェルを経由すると、入力に含まれる ; や | などの記号によって、別のコマンドを実行されるおそれがあります。

~~~go
// 脆弱な例：シェル経由で実行している
exec.Command("sh", "-c", "gzip --keep "+inputName).Run()

// 修正後：シェルを使わず、引数を分けて渡す
exec.Command("gzip", "--keep", "--", inputName).Run()
~~~

シェルを経由しなければ、入力は1つの引数として渡されるだけになります。引数の前の「--」は、それ以降をオプションではなくファイル名として扱わせる指定で、「-」で始まるファイル名によってオプションを注入されることを防ぎます（「--」に対応したコマンドの場合）。さらに、そもそも外部コマンドを使わずにライブラリで処理できないかを検討しましょう。

## パストラバーサル

ファイル名を利用者の入力から組み立てると、../ を含む入力によって、公開するつもりのないファイル（設定ファイルや秘密鍵など）を読まれるおそれがあります。

対策は次のとおりです。

- 保存するファイル名はサーバー側で生成したもの（ランダムな ID など）を使い、利用者が付けた名前はデータベースに表示用として保存する
- どうしても入力からパスを作る場合は、正規化したうえで、許可したディレクトリの内側にあることを確認する
- アップロードされたファイルは、Web サーバーが実行や HTML 表示をしない場所に保存し、配信時は正しい Content-Type を付ける

## 共通する考え方

インジェクションはすべて「**データがコードとして解釈される**」ことで起こります。データとコードを分離する API（プレースホルダ、引数の配列、テンプレートの自動エスケープ）を使うことが、どの種類にも共通する対策です。
`),
			),
			demoModule("Webアプリの典型的な脆弱性", "Common web vulnerabilities",
				demoReading("クロスサイトスクリプティング（XSS）", "Cross-site scripting (XSS)", 12, `
## XSS とは

XSS は、攻撃者が用意したスクリプトを、脆弱な Web ページ上で他の利用者のブラウザに実行させる攻撃です。セッションの乗っ取り、偽の入力フォームの表示、利用者になりすました操作などにつながります。

## 原因と基本対策

原因は、利用者が入力した文字列を、HTML として解釈される形でそのまま出力することです。基本対策は、**出力する場所の文脈に応じてエスケープする**ことです。

| 出力する場所 | 必要な処理 |
| --- | --- |
| HTML の本文 | < > & " ' を文字参照に変換する |
| 属性値 | 属性値を必ず引用符で囲み、同様に変換する |
| URL（href など） | http: / https: など許可したスキームだけを受け付ける（javascript: を拒否） |
| script 要素の中 | 原則として値を埋め込まない。必要なら JSON として安全にエンコードする |

## テンプレートエンジンに任せる

現代の多くのテンプレートエンジン（Go の html/template など）は、文脈に応じた自動エスケープを備えています。自動エスケープを無効にする機能（「この文字列は安全」と宣言する機能）を使う箇所は最小限にし、コードレビューで重点的に確認します。

## リッチテキストを扱う場合

Markdown や装飾付きテキストのように、利用者に一部の HTML を許す場合は、**許可リスト方式のサニタイザ**で、許可したタグと属性以外をすべて取り除きます。onclick などのイベントハンドラ属性や style 属性、javascript: で始まるリンクは許可しません。

## 多層防御としての CSP

Content-Security-Policy ヘッダーでインラインスクリプトの実行を禁止しておけば、エスケープ漏れがあっても被害を抑えられます。
`),
				demoReading("CSRFとセッション管理", "CSRF and session management", 10, `
## CSRF（クロスサイト・リクエスト・フォージェリ）

CSRF は、ログイン中の利用者に罠のページを開かせ、利用者の意図しないリクエスト（送金、パスワード変更、投稿など）を正規のサイトに送らせる攻撃です。ブラウザはそのサイトの Cookie を自動で送るため、サーバーからは本人の操作に見えてしまいます。

### 対策

- 状態を変更する処理（POST など）には、セッションと結びついた**推測できないトークン**をフォームに埋め込み、サーバーで照合する
- Cookie に **SameSite=Lax**（または Strict）属性を付ける
- 状態の変更を GET リクエストで行わない

## セッション管理の要点

| 項目 | 対策 |
| --- | --- |
| セッション ID | 十分な長さの暗号学的乱数で生成し、URL に含めない |
| Cookie 属性 | Secure（HTTPS のみ）、HttpOnly（JavaScript から読めない）を付ける |
| ログイン時 | ログインに成功したらセッション ID を新しく発行し直す（セッション固定攻撃の対策） |
| ログアウト時 | サーバー側のセッションを確実に破棄する |
| 有効期限 | 一定時間操作がなければ無効にする |

## 権限の確認は毎回サーバーで

画面にボタンを表示しないことは、アクセス制御になりません。**すべてのリクエストで、ログインしている利用者がそのデータを操作してよいかをサーバー側で確認**します。URL の ID を書き換えるだけで他人のデータが見えてしまう「アクセス制御の不備」は、最も多く報告される脆弱性の一つです。
`),
				demoReading("認証とパスワードの保存", "Authentication and storing passwords", 12, `
## パスワードは「ハッシュ化」して保存する

パスワードを平文や、元に戻せる暗号化で保存してはいけません。データベースが漏えいしたときに、すべての利用者のパスワードがそのまま知られてしまいます。

保存には、パスワード保存専用に設計された**意図的に計算の遅いハッシュ関数**を使います。

| 方式 | 評価 |
| --- | --- |
| Argon2id、scrypt、bcrypt | 推奨。ソルトを内蔵し、計算コストを調整できる |
| SHA-256 などを1回だけ適用 | 不適切。高速すぎて総当たりに弱い |
| MD5、SHA-1 | 不適切 |
| 暗号化（AES など）して鍵をサーバーに保存 | 不適切。鍵ごと漏れれば元に戻せる |

bcrypt のコスト係数は「2 の何乗回の計算を行うか」を表します。コスト係数を 1 上げると計算量は 2 倍、2 上げると 4 倍になります。サーバーの性能に合わせ、1回の検証に数十〜数百ミリ秒かかる程度に設定します。

~~~go
// 登録時
hash, err := bcrypt.GenerateFromPassword([]byte(password), 12)

// ログイン時（比較は必ずライブラリの関数で行う）
err = bcrypt.CompareHashAndPassword(hash, []byte(password))
~~~

## 認証まわりのその他の対策

- ログイン失敗の回数を制限し、総当たり攻撃を遅らせる
- 「メールアドレスが存在しません」「パスワードが違います」と区別せず、同じメッセージを返す
- 管理者など重要なアカウントには多要素認証を必須にする
- パスワード再設定のリンクは、一度しか使えず、短時間で失効するものにする
`),
			),
			demoModule("安全な開発プロセス", "A secure development process",
				demoReading("レビュー・テスト・依存関係の管理", "Reviews, testing and dependencies", 10, `
## 脆弱性は工程で防ぐ

個人の注意力だけに頼ると、どれだけ優秀な開発者でも見落としは起きます。開発の流れの中に、脆弱性を見つける仕組みを組み込みましょう。

## コードレビューのチェック項目

- SQL は値をプレースホルダで渡しているか。識別子は許可リストから選んでいるか
- 出力はテンプレートの自動エスケープに任せているか。無効にしている箇所に理由はあるか
- 状態を変える処理に CSRF 対策と権限の確認があるか
- エラー時に内部情報（スタックトレース、SQL 文）を利用者に表示していないか
- ログにパスワード、トークン、個人情報を書き出していないか
- 秘密情報がソースコードや設定ファイルに含まれていないか

## ツールによる自動チェック

| 種類 | 内容 | 実行のタイミング |
| --- | --- | --- |
| 静的解析（SAST） | ソースコードから危険なパターンを検出する | プルリクエストごと |
| 依存関係の検査（SCA） | 使っているライブラリの既知の脆弱性を検出する | 毎日・プルリクエストごと |
| 秘密情報の検出 | コミットに含まれた鍵やパスワードを検出する | コミット時 |
| 動的検査（DAST） | 動いているアプリに攻撃を模した通信を送る | リリース前 |

## 依存関係を最新に保つ

公開されたライブラリの脆弱性は、攻撃者にもすぐ知られます。使っていない依存関係は削除し、更新を小さく頻繁に行える体制（自動テストと自動更新の提案）を整えておくことが、最も費用対効果の高い対策の一つです。
`),
				demoQuiz("確認テスト：セキュアコーディング", "Quiz: secure coding", 80,
					demoSingle("SQLインジェクションへの対策として、最も根本的なものはどれですか。",
						"SQL文の構造と値を分けて送る**パラメータ化クエリ**が根本的な対策です。クォートの削除は回避されやすく正しいデータも壊します。エラーメッセージを隠すことや WAF は、脆弱性そのものをなくしません。",
						demoRight("プレースホルダを使ったパラメータ化クエリで値を渡す"), demoWrong("入力値からシングルクォートを取り除く"), demoWrong("データベースのエラーメッセージを画面に表示しない"), demoWrong("WAF を導入し、コードは変更しない")),
					demoMultiple("XSS（クロスサイトスクリプティング）の対策として有効なものを**すべて**選んでください。",
						"文脈に応じたエスケープ、CSP によるインラインスクリプトの禁止、許可リスト方式のサニタイズは、いずれも XSS の対策です。パスワードのハッシュ化は漏えい時の被害を抑える対策で、XSS は防げません。",
						demoRight("出力する場所の文脈に応じてエスケープする"), demoRight("Content-Security-Policy でインラインスクリプトを禁止する"), demoRight("利用者が書くリッチテキストを許可リスト方式でサニタイズする"), demoWrong("パスワードをハッシュ化して保存する")),
					demoTrueFalse("「ORDER BY で並び替える列名は、プレースホルダを使えば利用者の入力をそのまま安全に渡せる。」",
						"**誤り**です。列名やテーブル名などの識別子はプレースホルダで渡せません。利用者の入力から許可リストで列名を選び、想定外の値は既定値に置き換えます。", false),
					demoNumeric("bcrypt のコスト係数を 10 から 12 に上げると、1回のハッシュ計算にかかる計算量は何倍になりますか。",
						"コスト係数は 2 の何乗回の計算を行うかを表すので、2^12 ÷ 2^10 = 2^2 = **4倍**です。",
						4, 0),
					demoSingle("利用者のパスワードの保存方法として、最も適切なものはどれですか。",
						"Argon2id や bcrypt などのパスワード専用のハッシュ関数は、ソルトを内蔵し計算コストを調整できるため、漏えい時の総当たりに強くなります。高速な SHA-256 の1回適用や、元に戻せる暗号化は適切ではありません。",
						demoRight("Argon2id や bcrypt などのパスワード専用ハッシュ関数で保存する"), demoWrong("SHA-256 で1回ハッシュ化して保存する"), demoWrong("AES で暗号化し、鍵を同じサーバーの設定ファイルに保存する"), demoWrong("Base64 でエンコードして保存する")),
					demoTrueFalse("「ログインに成功したときにセッション ID を新しく発行し直すことは、セッション固定攻撃への対策になる。」",
						"**正しい**です。攻撃者が事前に用意したセッション ID を利用者に使わせても、ログイン時に新しい ID に切り替われば、攻撃者はそのセッションを使えません。", true),
				),
			),
		},
	}
}

// demoCourseRobot: 産業用ロボットプログラミングの基礎.
func demoCourseRobot() catalog.Content {
	return catalog.Content{
		TitleJa:   "産業用ロボットプログラミングの基礎",
		TitleEn:   "Industrial Robot Programming Basics",
		SummaryJa: "垂直多関節ロボットを例に、座標系と動作の種類、安全な教示作業の進め方、教示点を使ったピック＆プレースのプログラム作成までを、講師によるライブ講義とシミュレータ演習で学ぶ集合型の入門講座です。",
		SummaryEn: "A cohort-based introduction, taught through live sessions and simulator exercises using a vertical articulated robot as the example: coordinate systems and motion types, safe teaching practice, and writing a pick-and-place program from taught points.",
		DescriptionMd: `
人手不足が続く製造現場では、産業用ロボットの導入が中小企業にも広がっています。一方で、ロボットを「動かせる人」「変更できる人」が社内にいないために、段取り替えのたびに外部に頼らざるを得ないという声も多く聞かれます。この講座では、ロボットを安全に扱い、簡単なプログラムを自分で作成・修正できるようになることを目指します。

## 進め方

同じ期の受講者と一緒に進める**集合型**（コホート）の講座です。週1回・全4回のオンラインライブ講義で講師が解説と実演を行い、各回の間に、この教材とロボットシミュレータを使った演習に取り組みます。質問は講義中と受講者用の掲示板で受け付けます。

## 対象者

- 製造現場でロボットの導入・運用に関わる、またはこれから関わる生産技術・保全担当の方
- ロボットが動いているラインで働き、段取り替えや簡単な修正を担当したい方
- 自動化設備を検討している中小製造業の経営者・管理者の方

## この講座でできるようになること

- 産業用ロボットの種類と構成、座標系と動作の種類を説明できる
- 運転モードやイネーブルスイッチなど、教示作業に必要な安全の仕組みを理解し、手順を守って作業できる
- アプローチ点・作業点・退避点を考えて教示点を設計できる
- 入出力信号と待ち合わせを含む、ピック＆プレースの基本プログラムを作成・確認できる

## 前提知識と注意

特別な前提知識は必要ありません。図面の座標（X・Y・Z）が読めると理解が早まります。なお、本講座は労働安全衛生規則に基づく「産業用ロボットの教示等の業務に係る特別教育」そのものではありません。実機で教示作業を行うには、事業者による特別教育の受講が必要です。
`,
		SkillArea:      "robotics",
		Level:          catalog.LevelIntroductory,
		EstimatedHours: 16,
		Language:       "ja",
		DeliveryMode:   catalog.DeliveryCohort,
		Modules: []catalog.Module{
			demoModule("産業用ロボットの基本", "Robot basics",
				demoReading("産業用ロボットの種類と構成", "Types and components of industrial robots", 10, `
## 主なロボットの種類

| 種類 | 特徴 | 主な用途 |
| --- | --- | --- |
| 垂直多関節ロボット | 人の腕のように6軸程度の関節を持ち、自由な姿勢をとれる | 溶接、塗装、組立、搬送 |
| 水平多関節ロボット（スカラ） | 水平方向の動きが速く、上下動作と組み合わせる | 電子部品の組立、ねじ締め |
| パラレルリンクロボット | 複数のアームで1点を支え、非常に高速 | 食品・医薬品の高速仕分け |
| 直交ロボット | X・Y・Z の直線軸の組み合わせで、構造が単純 | 部品の供給、簡単な搬送 |
| 協働ロボット | 力の検知などにより、条件を満たせば人と同じ空間で作業できる | 少量多品種の組立、検査 |

## ロボットシステムの構成

- **マニピュレータ**：いわゆるロボットアーム本体。各関節にモータと減速機、位置を検出するエンコーダを持つ
- **コントローラ**：プログラムを記憶・実行し、各軸のモータを制御する制御装置
- **ティーチングペンダント**：ロボットを手動で動かし、位置を記憶させ、プログラムを編集するための手持ちの操作盤
- **エンドエフェクタ**：アームの先端に取り付ける道具。ハンド（グリッパ）、吸着パッド、溶接トーチなど
- **周辺機器**：コンベア、センサー、治具、安全柵、そして全体を制御する PLC など

ロボットは単体では仕事をしません。ワークの供給・位置決め・検査・安全装置まで含めた**ロボットシステム**として設計することが、導入成功の鍵です。
`),
				demoReading("座標系と動作の種類", "Coordinate systems and motion types", 12, `
## 座標系

ロボットの位置は、いくつかの座標系で表すことができます。

| 座標系 | 基準 | 使いどころ |
| --- | --- | --- |
| 関節座標系 | 各関節の角度 | 姿勢を大きく変えるとき、特異点を避けたいとき |
| ベース座標系（ワールド座標系） | ロボットの設置台 | 装置全体の中での位置を表すとき |
| ツール座標系 | エンドエフェクタの先端（TCP：ツールセンターポイント） | 工具の向きに沿って押し込む・引き抜くとき |
| ユーザー座標系（ワーク座標系） | 作業台や治具に設定した基準 | 治具が傾いている、位置がずれたときに教示点ごと補正したいとき |

ツール座標系を正しく設定しておかないと、直線動作や姿勢の変更で工具の先端が意図しない軌跡を描きます。エンドエフェクタを交換したら、必ずツール座標系を確認しましょう。

## 動作の種類（補間方法）

- **関節補間**：各軸が同時に動き出して同時に止まるように動く。最も速いが、途中の軌跡は直線にならない。空中での移動に使う
- **直線補間**：TCP が直線上を動く。ワークへの接近・離脱など、周囲とぶつからない正確な軌跡が必要なときに使う
- **円弧補間**：3点を通る円弧上を TCP が動く。シーリングや溶接などで使う

基本は「**空中の移動は関節補間、ワークの近くでは直線補間**」です。ワークの近くで関節補間を使うと、予想外の軌跡で周囲に接触する危険があります。
`),
			),
			demoModule("安全に作業するために", "Working safely",
				demoReading("ロボット作業の安全と法令", "Safety and regulations for robot work", 12, `
## なぜ安全が最優先なのか

産業用ロボットは大きな力で高速に動き、人の予想とは異なる動き方をすることがあります。特に、プログラムの作成や修正のために**ロボットの可動範囲内に入る教示作業**は、事故が起きやすい場面です。

## 法令上のポイント（日本）

- 労働安全衛生規則では、産業用ロボットの可動範囲内で行う**教示等の業務**や、**検査・修理・調整等の業務**に就かせる労働者に対し、事業者が**特別教育**を行うことが定められています（第36条第31号・第32号）。
- 運転中にロボットと接触する危険がある場合は、**柵または囲いを設ける**などの措置が必要です（第150条の4）。なお、リスクアセスメントに基づき危険のおそれがなくなる措置を講じた場合には、協働ロボットとして人と同じ空間で作業させることも認められています。
- 教示作業の際には、作業規程の作成、異常時に直ちに停止できる措置、作業中であることの表示などが求められます。

## 安全装置の基本

| 装置 | 役割 |
| --- | --- |
| 非常停止ボタン | 押すとロボットを直ちに停止させる。ペンダントと操作盤にある |
| イネーブルスイッチ | ペンダントの裏などにある3段階のスイッチ。中間位置で握っている間だけ動作を許可する |
| 安全柵・インターロック | 扉を開けると自動運転が止まる |
| 安全センサー | ライトカーテンやエリアセンサーで人の進入を検知する |

安全装置を無効化したり、取り外したりして作業することは、どんな理由があっても行ってはいけません。
`),
				demoReading("運転モードと教示時の注意", "Operating modes and care when teaching", 12, `
## 運転モード

多くのロボットは、次のような運転モードを持っています（名称はメーカーによって異なります）。

| モード | 内容 |
| --- | --- |
| T1（手動低速） | 教示用のモード。ツール先端の速度は 250 mm/s 以下に制限される |
| T2（手動高速） | プログラムの速度で確認するためのモード。使用は限定的に |
| AUTO（自動） | 生産運転。安全柵の外から運転し、柵内に人がいないことが前提 |

教示作業は原則として **T1 モード**で行います。250 mm/s という上限は、国際規格（ISO 10218-1）および JIS で定められた値です。

## 3ポジション・イネーブルスイッチ

イネーブルスイッチは「離す」「中間で握る」「強く握り込む」の3段階になっており、**中間位置のときだけ**ロボットの動作が許可されます。人は驚いたとき、手を離すか、逆に強く握り込むかのどちらかの反応をするため、どちらの場合でもロボットが止まるように作られています。

## 教示作業の手順

1. 作業前に、非常停止ボタンとイネーブルスイッチが正しく機能することを確認する
2. 運転モードが T1 であること、速度オーバーライドが低い値であることを確認する
3. 可動範囲内に入る場合は、自分の退避経路を確保し、周囲に「教示中」の表示をする
4. ロボットの動きを常に正面から見られる位置に立ち、アームとの間に挟まれる位置を避ける
5. 教示が終わったら、プログラムを1ステップずつ低速で実行し、軌跡と干渉がないことを確認する

「少しだけだから」と手順を省くことが、重大事故の最も多い原因です。
`),
			),
			demoModule("ティーチングとプログラム", "Teaching and programming",
				demoReading("教示点の設計", "Designing teaching points", 10, `
## 教示点は「3点セット」で考える

ワークを取る・置くといった作業では、作業点だけを教示するのではなく、次の3点を組み合わせて考えます。

| 教示点 | 役割 | 教示のポイント |
| --- | --- | --- |
| アプローチ点 | 作業点の真上など、ワークに近づく手前の点 | 周辺の治具やワークと干渉しない高さ（例：作業点の 50 mm 上） |
| 作業点 | ワークを把持する、または置く点 | ハンドの向きと位置を正確に合わせる。直線補間で進入する |
| 退避点 | 作業後に離れる点 | 多くの場合アプローチ点と同じ。直線補間で真上に抜ける |

## 教示のコツ

- **待機位置**（ホーム位置）を決め、プログラムの最初と最後は必ずそこに戻るようにする。異常停止後の復帰が簡単になる
- 作業点は、実際のワークと治具を使い、低速・微動で位置を合わせる
- 空中の経由点は多すぎても少なすぎてもいけない。障害物を確実に避けつつ、動作がぎくしゃくしない数にする
- 教示点には「P1：取り出しアプローチ」のように**意味がわかるコメント**を付けておく

## ユーザー座標系を活用する

作業台や治具にユーザー座標系を設定し、その座標系で教示しておけば、治具を移設した場合でも座標系を教え直すだけで、すべての教示点をまとめて補正できます。段取り替えの多い現場ほど効果的です。
`),
				demoReading("ピック＆プレースのプログラム", "A pick-and-place program", 15, `
## 作業の内容

コンベア上の定位置に来たワークを取り出し、検査台に置く作業をプログラムにします。ここでは特定のメーカーに依存しない**擬似言語**で示します。実際の命令名や書式はメーカーごとに異なりますが、構造は共通です。

## 教示点

| 点 | 意味 |
| --- | --- |
| P0 | 待機位置 |
| P1 | 取り出しアプローチ点（P2 の 50 mm 上） |
| P2 | 取り出し点 |
| P3 | 置きアプローチ点（P4 の 50 mm 上） |
| P4 | 置き点 |

## プログラム

~~~
' ピック＆プレース（汎用の擬似言語）
SPEED 50                 ' 速度オーバーライド 50%
MOVJ P0                  ' 待機位置へ（関節補間）
WAIT IN1 = ON            ' ワーク到着センサーが ON になるまで待つ
MOVJ P1                  ' 取り出しアプローチ点へ（関節補間）
MOVL P2 V=100            ' 取り出し点へ直線で下降（100 mm/s）
OUT OUT1 = ON            ' ハンドを閉じる
WAIT IN2 = ON            ' 把持確認センサーが ON になるまで待つ
MOVL P1 V=200            ' 真上へ直線で退避
MOVJ P3                  ' 置きアプローチ点へ
MOVL P4 V=100            ' 置き点へ直線で下降
OUT OUT1 = OFF           ' ハンドを開く
WAIT IN2 = OFF           ' 把持確認センサーが OFF になるまで待つ
MOVL P3 V=200            ' 真上へ退避
MOVJ P0                  ' 待機位置へ戻る
END
~~~

## ポイント

- ワークの近くでは直線補間（MOVL）、空中では関節補間（MOVJ）を使い分けています。
- ハンドの開閉は、時間待ちではなく**センサーの確認**（WAIT 命令）で次に進みます。時間待ちだけだと、把持に失敗したまま動き出すおそれがあります。
- 初めて動かすときは、速度オーバーライドを 10% 程度に下げ、1行ずつ実行して確認します。
`),
				demoReading("入出力・条件分岐・繰り返し", "I/O, branching and loops", 12, `
## PLC や周辺機器との連携

ロボットは、入出力信号（I/O）で周辺機器と情報をやり取りします。

| 信号の例 | 向き | 内容 |
| --- | --- | --- |
| ワーク到着 | 入力 | コンベアのセンサーがワークを検知した |
| 把持確認 | 入力 | ハンドがワークをつかんだ |
| ハンド閉 | 出力 | ハンドを閉じる指令 |
| 作業完了 | 出力 | PLC に1サイクルの完了を知らせる |

## 条件分岐

検査結果によって置き場所を変える、といった処理は条件分岐で書きます。

~~~
IF IN3 = ON THEN         ' 検査 NG の信号
  MOVJ P5                ' NG 品置き場へ
ELSE
  MOVJ P3                ' 良品の置き場へ
ENDIF
~~~

## 繰り返しとパレタイズ

ワークを格子状に並べる作業（パレタイズ）では、すべての位置を教示するのではなく、**基準点とピッチから位置を計算**します。たとえば、1列目の置き点の X 座標が 300 mm、列のピッチが 40 mm なら、n 列目の X 座標は次の式で求められます。

~~~
X = 300 + (n - 1) × 40      ' 3列目なら 300 + 2 × 40 = 380 mm
~~~

~~~
FOR ROW = 0 TO 3             ' 4行
  FOR COL = 0 TO 2           ' 3列
    P10 = P_BASE + OFFSET(X = COL * 40, Y = ROW * 50)
    ' ……P10 の 50 mm 上から直線で下降して置く……
  NEXT
NEXT
~~~

基準点を1つ教示し直すだけで全体の位置を補正できるため、保守性が大きく向上します。
`),
			),
			demoModule("立ち上げと確認テスト", "Commissioning and check your understanding",
				demoReading("プログラムの確認と立ち上げ", "Checking and commissioning a program", 10, `
## 自動運転までの段階

作成したプログラムは、いきなり自動運転で動かしてはいけません。次の段階を順に進めます。

1. **1ステップ確認（T1）**：1行ずつ実行し、各教示点の位置と、周辺との干渉がないことを確認する
2. **連続低速確認（T1）**：低速で連続実行し、信号の待ち合わせやハンドの動作を確認する
3. **速度を上げた確認**：速度オーバーライドを段階的に上げ、振動やワークの落下、位置ずれがないか確認する
4. **異常時の確認**：ワークがない、把持に失敗した、非常停止したなど、異常時の動作と復帰手順を確認する
5. **自動運転**：安全柵の外から起動し、数サイクル以上連続で監視する

## サイクルタイムの測定と改善

1サイクルにかかる時間を測定し、目標と比べます。改善の余地は、次のような点にあることが多いです。

- 待ち時間：センサー待ちや、周辺機器の動作待ちが長すぎないか
- 経由点：不要な経由点や、必要以上に高いアプローチ点がないか
- 補間方法：空中で直線補間を使い、遅くなっていないか

## プログラムの管理

プログラムと教示点のデータは、変更のたびに**バックアップ**を取り、変更者・日付・内容を記録します。「いつの間にか誰かが変えていた」状態は、品質問題や事故の原因になります。
`),
				demoQuiz("確認テスト：ロボットプログラミングの基礎", "Quiz: robot programming basics", 80,
					demoSingle("ツール先端（TCP）が直線の軌跡を描くように動かす動作の種類はどれですか。",
						"**直線補間**では TCP が直線上を動きます。関節補間は各軸を同時に動かすため最も速いものの、途中の軌跡は直線になりません。ワークへの接近・離脱には直線補間を使います。",
						demoRight("直線補間"), demoWrong("関節補間"), demoWrong("円弧補間"), demoWrong("パレタイズ")),
					demoNumeric("教示用の T1（手動低速）モードで、ツール先端の速度は何 mm/s 以下に制限されますか。",
						"ISO 10218-1 および JIS で、手動低速モードの速度上限は **250 mm/s** と定められています。",
						250, 0),
					demoTrueFalse("「3ポジション・イネーブルスイッチは、強く握り込んだ状態（3段目）でもロボットの動作が許可される。」",
						"**誤り**です。動作が許可されるのは中間位置で握っているときだけです。驚いて手を離した場合も、強く握り込んだ場合も、ロボットは停止します。", false),
					demoMultiple("教示作業を始める前に確認すべきことを**すべて**選んでください。",
						"非常停止とイネーブルスイッチの機能、T1 モードであること、退避経路と周囲の状況は、作業前に必ず確認します。速度オーバーライドは低い値から始めるのが原則で、100% にしてはいけません。",
						demoRight("非常停止ボタンが正しく機能すること"), demoRight("運転モードが T1（手動低速）であること"), demoRight("自分の退避経路が確保され、周囲に「教示中」の表示があること"), demoWrong("速度オーバーライドが 100% に設定されていること")),
					demoNumeric("パレタイズで、1列目の置き点の X 座標が 300 mm、列のピッチが 40 mm のとき、3列目の置き点の X 座標は何 mm ですか。",
						"n 列目の X 座標は 300 + (n − 1) × 40 なので、3列目は 300 + 2 × 40 = **380 mm** です。",
						380, 0),
					demoSingle("日本の労働安全衛生規則で、産業用ロボットの可動範囲内で教示等の業務に就かせる労働者に、事業者が行わなければならないとされているものはどれですか。",
						"労働安全衛生規則第36条第31号により、教示等の業務には**特別教育**が必要です。技能講習や免許は、この業務には求められていません。",
						demoRight("特別教育"), demoWrong("技能講習"), demoWrong("国家試験による免許の取得"), demoWrong("職長教育のみ")),
				),
			),
		},
	}
}

// demoCourseQuality: 製造品質のためのデータ分析.
func demoCourseQuality() catalog.Content {
	return catalog.Content{
		TitleJa:   "製造品質のためのデータ分析",
		TitleEn:   "Data Analysis for Manufacturing Quality",
		SummaryJa: "製造現場の品質データを、ばらつきの見方、X̄-R管理図、工程能力指数（Cp・Cpk）、パレート図や散布図による原因分析まで、計算例とともに実務で使える形で学びます。機械やラインから集めたデータを改善につなげたい方向けの講座です。",
		SummaryEn: "Learn to use quality data from the shop floor, with worked examples: reading variation, X-bar/R control charts, process capability indices (Cp and Cpk), and finding causes with Pareto charts and scatter plots. For people who want to turn data collected from machines and lines into improvement.",
		DescriptionMd: `
IoT の普及により、工作機械や成形機械、検査装置から大量のデータが集まるようになりました。しかし「データはあるが、品質の改善に使えていない」という製造現場は少なくありません。この講座では、品質管理（QC）の基本的な統計手法を、**実際の製造工程の例と計算**を通じて学び、データから異常の兆候を早くつかみ、原因を特定して改善する力を身につけます。

## 対象者

- 製造業の品質保証・品質管理部門、生産技術部門の方
- 機械加工・組立・成形などの現場で、工程の管理や改善を担当する方
- 設備から収集したデータを品質の向上に活用したい、DX 推進担当の方

## この講座でできるようになること

- 計量値と計数値を区別し、層別を意識してデータを集められる
- X̄-R 管理図を作成し、管理限界の計算と異常パターンの判定ができる
- 工程能力指数 Cp・Cpk を計算し、工程の実力を評価して説明できる
- パレート図・散布図を使って不良の原因を絞り込み、改善の優先順位を決められる

## 前提知識

平均や割合など、中学校程度の数学がわかれば受講できます。計算は電卓または表計算ソフトで行います。一部で Python による集計例を紹介しますが、プログラミングの経験がなくても修了できます。QC 検定3級程度の知識があると、より深く理解できます。
`,
		SkillArea:      "advanced_manufacturing",
		Level:          catalog.LevelIntermediate,
		EstimatedHours: 14,
		Language:       "ja",
		DeliveryMode:   catalog.DeliverySelfPaced,
		Modules: []catalog.Module{
			demoModule("品質データの基本", "Quality data basics",
				demoReading("ばらつきとデータの種類", "Variation and kinds of data", 10, `
## 品質管理は「ばらつき」の管理

同じ機械、同じ材料、同じ作業者で作っても、製品の寸法や重さは少しずつ違います。このばらつきをゼロにすることはできません。品質管理の目的は、**ばらつきを理解し、許容できる範囲に安定して収める**ことです。

## ばらつきの2つの原因

| 原因 | 内容 | 対応 |
| --- | --- | --- |
| 偶然原因 | 材料のわずかな差、室温の小さな変化など、多数の小さな要因の積み重ね | 工程そのもの（設備・方法）を変えないと減らせない |
| 異常原因 | 刃具の摩耗、段取りの誤り、材料ロットの変更など、特定できる原因 | 原因を突き止めて取り除く |

管理図は、この2つを見分けるための道具です（次のモジュールで学びます）。

## データの種類

- **計量値**：長さ、重さ、温度、時間など、連続した値で測れるデータ。情報量が多く、少ないサンプルでも変化に気づきやすい
- **計数値**：不良品の数、キズの個数など、数えて得られるデータ

## ばらつきの要因を整理する「4M」

品質に影響する要因は、Man（人）・Machine（機械）・Material（材料）・Method（方法）の頭文字をとった **4M** で整理すると、抜け漏れなく検討できます。測定（Measurement）を加えて 5M とすることもあります。データを集めるときは、値と一緒に「どの機械で、どの材料ロットで、いつ、誰が」といった 4M の情報を記録しておくことが、後の分析を大きく左右します。
`),
				demoReading("データの集め方と層別", "Collecting data and stratification", 10, `
## 目的を決めてから集める

「とりあえず全部集める」データは、分析の段階で役に立たないことがよくあります。まず**何を判断するためのデータか**を決め、それに必要な項目・頻度・サンプル数を決めます。

## 層別

層別とは、データを 4M などの条件ごとに分けて比べることです。全体では原因が見えなくても、層別すると差がはっきり現れることがよくあります。

| 層別の例 | 分け方 |
| --- | --- |
| 機械別 | 1号機・2号機・3号機 |
| 時間別 | 直（昼勤・夜勤）、曜日、始業直後と定常時 |
| 材料別 | 仕入先、材料ロット |
| 作業者別 | 担当者、経験年数 |

たとえば、穴径の不良率が全体で 2% のとき、機械別に見ると 3号機だけが 5% で、残りはほぼ 0% ということがあります。対策を打つべき対象が一目でわかります。

## 設備からのデータ収集で注意すること

- **時刻を合わせる**：設備ごとに時計がずれていると、加工条件と検査結果を正しく結びつけられません。
- **トレーサビリティ**：製品のシリアル番号やロット番号で、加工条件・検査結果をつなげられるようにします。
- **測定の信頼性**：測定器そのもののばらつきが大きいと、工程の変化が見えません。測定器の校正と、同じものを繰り返し測ったときのばらつきの確認（測定システム解析）を定期的に行います。
`),
				demoReading("ヒストグラムと基本統計量", "Histograms and basic statistics", 10, `
## 基本統計量

| 統計量 | 意味 | 求め方 |
| --- | --- | --- |
| 平均値 | 分布の中心 | データの合計 ÷ データ数 |
| 範囲（R） | ばらつきの大きさ（簡易） | 最大値 − 最小値 |
| 標準偏差（s） | ばらつきの大きさ | 各データと平均の差の二乗和を (n − 1) で割り、平方根をとる |

範囲は計算が簡単ですが、極端な値1つに左右されます。データ数が多いときは標準偏差を使います。

## ヒストグラムで分布の形を見る

ヒストグラムは、データをいくつかの区間に分け、区間ごとの個数を棒グラフにしたものです。規格の上限・下限の線を書き入れると、工程の状態がひと目でわかります。

| 形 | 考えられる状況 |
| --- | --- |
| 左右対称の山型 | 工程が安定している通常の状態 |
| 山が2つある（ふた山型） | 平均の異なる2つの条件（2台の機械、2つの材料ロットなど）が混ざっている。層別して確認する |
| 片側が崖のように切れている | 規格外品を選別して取り除いた後のデータ、または測定の上限・下限 |
| 離れ小島がある | 短期間の異常、測定ミス、異なる工程のデータの混入 |

平均値と標準偏差の数字だけを見て判断せず、**必ずグラフで分布の形を確認する**習慣をつけましょう。ふた山型は、数値だけではまず気づけません。
`),
			),
			demoModule("管理図で工程を監視する", "Monitoring a process with control charts",
				demoReading("X̄-R管理図のしくみ", "How X-bar/R control charts work", 15, `
## X̄-R 管理図とは

X̄-R（エックスバー・アール）管理図は、計量値の工程を監視する最も代表的な管理図です。一定の間隔で n 個（通常 4〜5 個）のサンプルを取り、これを**群**として、群ごとの平均値 X̄ と範囲 R を打点します。

- **X̄ 管理図**：工程の平均（中心の位置）の変化を見る
- **R 管理図**：工程のばらつきの変化を見る

## 管理限界の計算

20〜25 群程度のデータから、全体の平均 X̿（群平均の平均）と、範囲の平均 R̄ を求め、次の式で管理限界を計算します。

| 管理図 | 中心線（CL） | 上方管理限界（UCL） | 下方管理限界（LCL） |
| --- | --- | --- | --- |
| X̄ 管理図 | X̿ | X̿ + A₂R̄ | X̿ − A₂R̄ |
| R 管理図 | R̄ | D₄R̄ | D₃R̄ |

係数は群の大きさ n によって決まります。

| n | A₂ | D₃ | D₄ | d₂ |
| --- | --- | --- | --- | --- |
| 2 | 1.880 | — | 3.267 | 1.128 |
| 3 | 1.023 | — | 2.574 | 1.693 |
| 4 | 0.729 | — | 2.282 | 2.059 |
| 5 | 0.577 | — | 2.114 | 2.326 |
| 6 | 0.483 | — | 2.004 | 2.534 |

（n が 6 以下では D₃ は示されず、R 管理図の下方管理限界は考えません。）

## 計算例

シャフト外径（mm）を n = 5 で 25 群測定し、X̿ = 50.00、R̄ = 2.0 を得たとします（数値はわかりやすくしたものです）。

- X̄ 管理図：UCL = 50.00 + 0.577 × 2.0 = **51.154**、LCL = 50.00 − 0.577 × 2.0 = **48.846**
- R 管理図：UCL = 2.114 × 2.0 = **4.228**

## 管理限界と規格値は別物

管理限界は「工程が普段どおりなら、ほぼこの範囲に収まる」という**工程の声**であり、図面の規格値（顧客の要求）とは別物です。管理図に規格値の線を書き入れて混同しないよう注意してください。
`),
				demoReading("管理図の読み方と異常の判定", "Reading control charts and spotting trouble", 12, `
## 「管理状態」とは

打点がすべて管理限界の内側にあり、並び方に特別なくせがない状態を**管理状態**（統計的に安定した状態）と呼びます。このとき、ばらつきは偶然原因だけによるものと考えます。

## 異常と判定する主なパターン

JIS Z 9020-2（ISO 7870-2）では、次のようなパターンを異常の兆候として判定します。

1. 1点が管理限界の外に出た
2. 中心線の片側に **9点以上連続**して並んだ（連）
3. **6点以上連続**して増加、または減少した（傾向）
4. 14点が交互に上下している
5. 連続する3点のうち2点が、中心線から 2σ を超える領域（管理限界に近い領域）にある

社内基準として、連を 7点で判定している現場もあります。どの規則を使うかを事前に決め、全員が同じ基準で判断できるようにしておきましょう。

## 異常を見つけたら

- **すぐに原因を調べる**：その時点で何が変わったか（刃具交換、材料ロット、作業者交代、設備の警報など）を確認します。
- **記録する**：原因と処置を管理図の該当箇所に書き込みます。記録の積み重ねが、再発防止の知識になります。
- **管理限界を勝手に引き直さない**：異常な点を含んだまま限界を広げると、管理図の意味がなくなります。工程を改善した後に、新しいデータで計算し直すのが正しい手順です。

## 設備データとの組み合わせ

機械の稼働ログ（主軸負荷、温度、刃具の使用回数など）と管理図を時刻でつなげると、「刃具の使用回数が 800 回を超えると外径が大きくなる傾向がある」といった、予防保全につながる発見が得られます。
`),
			),
			demoModule("工程能力と原因の分析", "Process capability and finding causes",
				demoReading("工程能力指数 Cp と Cpk", "Process capability indices Cp and Cpk", 15, `
## 工程能力とは

工程能力とは、管理状態にある工程が、規格をどの程度満たせるかという**工程の実力**です。規格の幅と工程のばらつき（標準偏差 σ）を比べて数値化したものが、工程能力指数です。

## 計算式

USL を規格上限、LSL を規格下限、μ を工程の平均、σ を標準偏差とすると、次のように計算します。

~~~
Cp  = (USL − LSL) ÷ (6σ)
Cpk = min(USL − μ, μ − LSL) ÷ (3σ)
~~~

- **Cp** は、ばらつきの大きさだけを見た指数です。平均が規格の中心からずれていても値は変わりません。
- **Cpk** は、平均のずれも考慮した指数です。平均が規格の中心にあるとき Cp と等しくなり、ずれるほど小さくなります。

σ には、管理図の R̄ から σ = R̄ ÷ d₂ として推定した値を使うことができます。

## 計算例

穴径の規格が 10.00 ± 0.10 mm（USL = 10.10、LSL = 9.90）、工程の平均が 10.02 mm、σ = 0.025 mm のとき

- Cp = 0.20 ÷ (6 × 0.025) = 0.20 ÷ 0.15 ≒ **1.33**
- Cpk = min(10.10 − 10.02, 10.02 − 9.90) ÷ (3 × 0.025) = min(0.08, 0.12) ÷ 0.075 ≒ **1.07**

ばらつきは十分小さい（Cp 1.33）のに、平均が上側にずれているため Cpk が下がっています。この場合、ばらつきを減らすより、**平均を規格の中心に寄せる調整**が効果的です。

## 評価の目安

| Cpk | 一般的な評価 |
| --- | --- |
| 1.67 以上 | 十分すぎる。管理の簡素化やコスト削減を検討できる |
| 1.33 以上 1.67 未満 | 十分 |
| 1.00 以上 1.33 未満 | まずまず。注意して管理する |
| 1.00 未満 | 不足。全数検査や工程の改善が必要 |

顧客との取り決めで Cpk 1.33 以上、重要特性では 1.67 以上を求められることもあります。
`),
				demoReading("パレート図と散布図による原因分析", "Finding causes with Pareto charts and scatter plots", 12, `
## パレート図で「重点」を決める

パレート図は、不良の種類や原因を件数の多い順に並べた棒グラフに、累積比率の折れ線を重ねた図です。多くの場合、**上位の2〜3項目で全体の7〜8割**を占めます。すべての不良に同時に手を打つのではなく、上位の項目から取り組むことで、限られた工数で大きな効果が得られます。

| 不良項目 | 件数 | 累積比率 |
| --- | --- | --- |
| 寸法不良 | 48 | 48% |
| キズ | 27 | 75% |
| バリ | 12 | 87% |
| 打痕 | 8 | 95% |
| その他 | 5 | 100% |

この例では、寸法不良とキズの2項目で全体の 75% を占めています。

## 特性要因図で原因を洗い出す

重点項目が決まったら、特性要因図（魚の骨の図）で、4M の観点から考えられる原因を洗い出します。現場の担当者を交えて、思い込みではなく事実に基づいて書き出すことが大切です。

## 散布図で関係を確かめる

原因の候補と結果の関係は、散布図で確かめます。たとえば横軸に加工時の室温、縦軸に寸法をとって打点し、右上がりの傾向があれば正の相関があると考えられます。関係の強さは**相関係数 r**（−1 から +1）で表し、絶対値が 1 に近いほど強い直線的な関係があります。

ただし、**相関があることと、原因であることは別**です。室温と寸法の両方が「季節」という第三の要因で動いているだけかもしれません。相関を見つけたら、条件を変えた試験などで因果関係を確認してから対策を決めます。
`),
			),
			demoModule("改善への活用と確認テスト", "Putting it to work and check your understanding",
				demoReading("データを改善につなげる", "Turning data into improvement", 12, `
## QC ストーリーで進める

品質の改善は、次の手順（QC ストーリー）で進めると、関係者に説明しやすく、効果も確認しやすくなります。

1. **テーマの選定**：パレート図などで、取り組む問題を決める
2. **現状の把握**：層別やヒストグラムで、問題の実態を数値で示す
3. **目標の設定**：「3か月で穴径の不良率を 2% から 0.5% に下げる」のように具体的に
4. **要因の解析**：特性要因図・散布図で原因を絞り込み、検証する
5. **対策の立案と実施**
6. **効果の確認**：対策前後で、管理図や工程能力指数を比べる
7. **標準化と管理の定着**：作業標準や設備の設定を改め、管理図で監視を続ける

## 表計算ソフトやプログラムでの集計

設備から集めたデータが多い場合は、集計を自動化すると、毎日の監視が楽になります。次は Python（pandas）で、機械ごとの Cpk を計算する例です。

~~~python
import pandas as pd

df = pd.read_csv("hole_diameter.csv")  # 列: machine, lot, value
usl, lsl = 10.10, 9.90

def cpk(values):
    mu, sigma = values.mean(), values.std(ddof=1)
    return min(usl - mu, mu - lsl) / (3 * sigma)

print(df.groupby("machine")["value"].apply(cpk).round(2))
~~~

全データから計算した標準偏差を使うと、群内のばらつきだけでなく群間の変動も含まれるため、厳密には工程性能指数（Ppk）に相当します。管理図の R̄ ÷ d₂ から求めた Cpk と比べ、差が大きければ、時間とともに平均が動いている（管理状態にない）ことを示しています。

## ダッシュボードは「行動」につなげる

グラフを並べるだけのダッシュボードは、やがて誰も見なくなります。異常の判定ルールに当てはまったら担当者に通知し、処置を記録するところまでを仕組みにしましょう。
`),
				demoQuiz("確認テスト：製造品質のデータ分析", "Quiz: data analysis for manufacturing quality", 80,
					demoNumeric("規格が USL = 25.05 mm、LSL = 24.95 mm、工程の平均が 24.98 mm、標準偏差が 0.01 mm のとき、Cpk はいくつですか（小数第2位まで）。",
						"Cpk = min(USL − μ, μ − LSL) ÷ 3σ = min(25.05 − 24.98, 24.98 − 24.95) ÷ (3 × 0.01) = min(0.07, 0.03) ÷ 0.03 = **1.00** です。なお Cp = 0.10 ÷ 0.06 ≒ 1.67 で、ばらつきは小さいものの平均が下側に寄っているため Cpk が下がっています。",
						1.00, 0.01),
					demoNumeric("群の大きさ n = 4 の X̄-R 管理図で、X̿ = 20.00、R̄ = 0.50 のとき、X̄ 管理図の上方管理限界（UCL）はいくつですか（小数第2位まで）。",
						"n = 4 のとき A₂ = 0.729 なので、UCL = X̿ + A₂R̄ = 20.00 + 0.729 × 0.50 = 20.3645 ≒ **20.36** です。",
						20.3645, 0.01),
					demoSingle("X̄ 管理図で、1点が上方管理限界の外に出ました。最初に行うべきこととして最も適切なものはどれですか。",
						"管理限界の外の点は異常原因の兆候です。その時点で何が変わったかを調べ、原因と処置を記録します。管理限界を広げたり、データを除外して放置したりすると、管理図の意味がなくなります。",
						demoRight("その時点での変化（刃具、材料ロット、作業者など）を調べ、原因と処置を記録する"), demoWrong("管理限界を広げて引き直す"), demoWrong("図面の規格値を見直すよう設計部門に依頼する"), demoWrong("その点を外れ値としてデータから除外し、様子を見る")),
					demoMultiple("JIS Z 9020-2 の判定ルールで、管理図の**異常の兆候**とされるパターンを**すべて**選んでください。",
						"管理限界外の点、中心線の片側に9点以上の連、6点以上連続した増加・減少は、いずれも異常の兆候です。管理限界の内側で規則性なくばらついている状態は、正常な管理状態です。",
						demoRight("1点が管理限界の外に出た"), demoRight("中心線の片側に9点連続して並んだ"), demoRight("6点連続して増加した"), demoWrong("すべての点が管理限界の内側で、規則性なくばらついている")),
					demoTrueFalse("「Cp と Cpk が等しくなるのは、工程の平均が規格の中心と一致しているときである。」",
						"**正しい**です。平均が規格の中心にあれば USL − μ と μ − LSL はどちらも規格幅の半分になり、Cpk = (USL − LSL) ÷ 6σ = Cp となります。", true),
				),
			),
		},
	}
}

// demoCourseSMESecurity: 中小企業のためのサイバーセキュリティ対策.
func demoCourseSMESecurity() catalog.Content {
	return catalog.Content{
		TitleJa:   "中小企業のためのサイバーセキュリティ対策",
		TitleEn:   "Cybersecurity Hygiene for Small Businesses",
		SummaryJa: "専任の担当者がいない中小企業でも今日から取り組める、サイバーセキュリティの基本対策を学びます。パスワードと多要素認証、3-2-1バックアップ、ソフトウェアの更新、フィッシングメールの見分け方、被害に遭ったときの初動まで、具体的な手順で解説します。",
		SummaryEn: "Basic cybersecurity measures that a small business without a dedicated security team can start today: passwords and multi-factor authentication, 3-2-1 backups, software updates, spotting phishing emails, and what to do first when an incident happens, explained step by step.",
		DescriptionMd: `
「うちのような小さな会社は狙われない」というのは、いまや通用しない思い込みです。ランサムウェアやビジネスメール詐欺の被害は企業規模を問わず発生しており、中小企業が取引先の大企業を攻撃するための**踏み台**にされる事例も増えています。この講座では、限られた予算と人員でも実行できる対策を、優先順位をつけて学びます。

## 対象者

- 中小企業の経営者、総務・経理などでパソコンや情報機器の管理を兼任している方
- 取引先からセキュリティ対策の状況を問われるようになった企業の担当者の方
- 従業員向けのセキュリティ教育を企画する方

## この講座でできるようになること

- 中小企業を狙う主な脅威と、IPA「情報セキュリティ5か条」に沿った基本対策を説明できる
- パスワードの管理方針を決め、重要なサービスに多要素認証を設定できる
- 3-2-1 ルールに基づいたバックアップを計画し、復元を確認できる
- フィッシングメールやビジネスメール詐欺の兆候を見分けられる
- 被害が疑われるときの初動と連絡先を、社内の手順として整えられる

## 前提知識

パソコンやスマートフォンで、メールや Web サービスを日常的に使っていれば受講できます。専門用語は講座の中で説明します。
`,
		SkillArea:      "cybersecurity",
		Level:          catalog.LevelIntroductory,
		EstimatedHours: 5,
		Language:       "ja",
		DeliveryMode:   catalog.DeliverySelfPaced,
		Modules: []catalog.Module{
			demoModule("中小企業を狙う脅威と基本対策", "Threats to small businesses and the basics",
				demoReading("中小企業が狙われる理由", "Why small businesses are targeted", 8, `
## 規模に関係なく狙われる

攻撃者の多くは、特定の企業を選んで狙うのではなく、**対策の甘いところを機械的に探して**攻撃します。古いソフトウェアを使っている、パスワードが弱い、といった条件に当てはまれば、企業の規模は関係ありません。

## 主な脅威

| 脅威 | 内容 | 主な被害 |
| --- | --- | --- |
| ランサムウェア | データを暗号化して使えなくし、復旧と引き換えに身代金を要求する。データを盗んで公開すると脅す手口もある | 業務停止、情報漏えい |
| ビジネスメール詐欺 | 取引先や経営者になりすましたメールで、偽の口座に送金させる | 金銭の被害 |
| フィッシング | 本物そっくりの偽サイトに誘導し、ID やパスワードを盗む | アカウントの乗っ取り |
| サプライチェーン攻撃 | 取引関係を悪用し、セキュリティの弱い企業を経由して取引先に侵入する | 取引先への被害、取引の停止 |

IPA（情報処理推進機構）が毎年公表している「情報セキュリティ10大脅威」でも、ランサムウェアやサプライチェーンの弱点を悪用した攻撃は、組織向けの脅威の上位に挙げられ続けています。

## 被害は自社だけにとどまらない

セキュリティ事故は、自社の業務停止だけでなく、顧客や取引先への損害、信用の低下、取引の打ち切りにもつながります。最近では、取引の条件としてセキュリティ対策の状況を確認する大企業も増えています。**セキュリティ対策は、取引を続けるための経営課題**と捉えましょう。
`),
				demoReading("まず取り組む「情報セキュリティ5か条」", "Start with the five basic rules", 10, `
## IPA「情報セキュリティ5か条」

IPA は、中小企業がまず取り組むべき対策として、次の5か条を示しています。

1. **OS やソフトウェアは常に最新の状態にしよう**：更新プログラムは、見つかった弱点をふさぐためのものです。自動更新を有効にします。
2. **ウイルス対策ソフトを導入しよう**：定義ファイルが自動で更新される状態にしておきます。
3. **パスワードを強化しよう**：長く、推測されにくく、サービスごとに異なるパスワードを使います。
4. **共有設定を見直そう**：クラウドストレージやネットワーク上の共有フォルダが、必要以上の人に公開されていないか確認します。
5. **脅威や攻撃の手口を知ろう**：新しい手口の情報を入手し、従業員と共有します。

## SECURITY ACTION

IPA の「SECURITY ACTION」は、中小企業が自らセキュリティ対策に取り組むことを宣言する制度です。

| 段階 | 取り組み |
| --- | --- |
| 一つ星 | 「情報セキュリティ5か条」に取り組むことを宣言する |
| 二つ星 | 「5分でできる！情報セキュリティ自社診断」で現状を把握し、情報セキュリティ基本方針を定めて外部に公開する |

宣言は無料で、ロゴマークを Web サイトや名刺に掲示できます。取引先への説明材料にもなり、IT 導入の補助金の申請要件とされたこともあります。まずは一つ星の宣言を目標に、5か条を社内で点検してみましょう。
`),
			),
			demoModule("アカウントとデータを守る", "Protecting accounts and data",
				demoReading("パスワードと多要素認証", "Passwords and multi-factor authentication", 10, `
## 強いパスワードの条件

- **長さ**：短く複雑なものより、長いほうが破られにくい。単語を組み合わせた 15 文字以上のフレーズも有効
- **使い回さない**：1つのサービスから漏れたパスワードで、他のサービスにも次々とログインされる（パスワードリスト攻撃）
- **推測されない**：名前、誕生日、会社名、「password」「123456」などは使わない

すべてのサービスで異なる長いパスワードを覚えるのは不可能です。**パスワード管理ソフト**を会社として導入し、マスターパスワードだけを覚える運用にしましょう。

## 多要素認証（MFA）

多要素認証は、次の3種類の要素のうち、**異なる2つ以上**を組み合わせて本人を確認する方法です。

| 要素 | 例 |
| --- | --- |
| 知識（知っているもの） | パスワード、暗証番号 |
| 所持（持っているもの） | スマートフォンの認証アプリ、セキュリティキー |
| 生体（本人の特徴） | 指紋、顔 |

パスワードと「秘密の質問」の組み合わせは、どちらも知識の要素なので多要素認証にはなりません。

## 優先して MFA を設定するサービス

1. メール（パスワード再設定の通知が届くため、乗っ取られると他のサービスも奪われる）
2. インターネットバンキング
3. クラウドストレージ、会計・給与などの業務システム
4. 自社の Web サイトやドメインの管理画面

SMS によるコードより、認証アプリやセキュリティキー（パスキー）のほうが、より安全とされています。
`),
				demoReading("3-2-1バックアップ", "3-2-1 backups", 12, `
## ランサムウェアへの最後の砦

ランサムウェアに感染しても、正常なバックアップがあれば身代金を払わずに業務を再開できます。バックアップは、**あらゆる事故に対する最後の砦**です。

## 3-2-1 ルール

| 数字 | ルール | 例 |
| --- | --- | --- |
| 3 | データのコピーを3つ持つ（元データを含む） | 業務用 PC の元データ＋バックアップ2つ |
| 2 | 2種類以上の異なる媒体に保存する | 社内の NAS と外付けディスク、またはクラウド |
| 1 | 1つは別の場所（オフサイト）に保管する | クラウドのバックアップサービス、別の事業所 |

## ランサムウェア対策としての注意点

ランサムウェアは、ネットワークでつながったドライブのデータも暗号化します。常時接続の NAS にだけバックアップしていると、元データと一緒に暗号化されてしまいます。

- 外付けディスクは、バックアップが終わったら**取り外して保管**する（オフライン）
- クラウドのバックアップは、一定期間は削除や上書きができない設定（世代管理、変更不可の保存）を使う
- バックアップ用のアカウントは、普段使うアカウントと分け、多要素認証を設定する

## 復元テストを忘れずに

「バックアップは取っていたが、戻せなかった」という事例は少なくありません。少なくとも半年に一度は、実際にファイルを復元して中身を確認し、**復元にかかる時間**も測っておきましょう。業務がどのくらいの時間止まるかを把握しておくことは、事業継続の計画にも役立ちます。
`),
				demoReading("端末とソフトウェアの管理", "Managing devices and software", 8, `
## 更新を止めない

攻撃の多くは、更新プログラムが公開済みの古い弱点を狙います。次の点を確認しましょう。

- Windows Update などの**自動更新が有効**になっているか
- Web ブラウザ、PDF 閲覧ソフト、Office ソフトも更新されているか
- ルーターや VPN 装置、NAS などのネットワーク機器のファームウェアも更新しているか（見落とされやすく、侵入口になりやすい）
- **サポートが終了した OS やソフトウェア**を使い続けていないか

## 端末の基本設定

| 対策 | 内容 |
| --- | --- |
| 管理者権限を分ける | 日常業務は一般ユーザーのアカウントで行い、管理者アカウントはソフトの導入時などに限って使う |
| ディスクの暗号化 | ノート PC を紛失・盗難されても、中のデータを読まれないようにする |
| 画面ロック | 離席時は必ずロックし、一定時間で自動ロックされるよう設定する |
| 紛失時の連絡 | 紛失や盗難に気づいたら、すぐに報告するルールを決めておく |

## 機器とソフトの台帳をつくる

会社にどんな PC・スマートフォン・ネットワーク機器があり、誰が使い、どのソフトが入っているかを一覧にしておきます。台帳がなければ、更新が漏れている機器や、退職者が使っていた機器に気づけません。表計算ソフトの簡単な一覧から始めれば十分です。
`),
			),
			demoModule("メールと人を守る", "Protecting email and people",
				demoReading("フィッシングメールの見分け方", "Spotting phishing emails", 10, `
## 攻撃の入口はメール

多くのサイバー攻撃は、1通のメールから始まります。本物そっくりの偽メールを完全に見分けることは難しいため、**「怪しい兆候」に気づいたら、開かずに確認する**習慣が大切です。

## 確認すべき兆候

- **送信元**：表示名は正しくても、メールアドレスのドメインが正規のものと1文字違う、無関係なドメインになっている
- **急がせる・脅す**：「24時間以内に対応しないとアカウントを停止します」「至急お振込みください」
- **リンク先**：リンクにマウスを重ねて表示される URL が、正規のサイトと異なる
- **添付ファイル**：圧縮ファイル（パスワード付きを含む）、マクロの有効化を求める Office ファイル、実行ファイル
- **認証情報を求める**：メールのリンクから ID・パスワード・カード番号を入力させようとする
- **いつもと違う依頼**：取引先から「振込先の口座が変わりました」、社長から「内密に送金してほしい」

## ビジネスメール詐欺への対策

振込先の変更や急な送金の依頼を受けたら、メールに返信して確認するのではなく、**以前から知っている電話番号**など、メール以外の手段で相手に確認します。メールに書かれた電話番号は、攻撃者のものかもしれません。

## 開いてしまったら

リンクを開いた、添付ファイルを開いた、パスワードを入力してしまった、と気づいたら、**すぐに担当者に報告**します。報告が早いほど被害を小さくできます。叱責を恐れて黙っていることが、最大のリスクです。
`),
				demoReading("インシデント発生時の初動", "First response to an incident", 12, `
## あらかじめ決めておく

被害に遭ってから対応を考えていては間に合いません。誰に連絡し、何をするかを**事前に一枚の紙にまとめて**、全員がわかる場所に置いておきましょう。

## ランサムウェアなどの感染が疑われるとき

1. **ネットワークから切り離す**：LAN ケーブルを抜き、Wi-Fi をオフにして、被害の拡大を防ぐ
2. **電源はむやみに切らない**：調査に必要な情報が失われることがある。専門家の指示に従う
3. **画面を記録する**：表示されている脅迫文やエラーを、スマートフォンで撮影しておく
4. **報告する**：社内の担当者・経営者に直ちに報告する
5. **身代金は支払わない**：支払ってもデータが戻る保証はなく、さらなる攻撃の資金になる

## 外部への相談・報告先

| 相談・報告先 | 内容 |
| --- | --- |
| 契約している IT ベンダー、保守業者 | 調査と復旧の支援 |
| IPA 情報セキュリティ安心相談窓口 | 技術的な相談 |
| 都道府県警察のサイバー犯罪相談窓口 | 被害の相談、被害届 |
| 個人情報保護委員会 | 個人情報の漏えい等のうち、法令で定める場合の報告 |
| 取引先・顧客 | 影響が及ぶおそれがある場合の連絡 |

個人情報の漏えいについては、要配慮個人情報を含む場合や、不正アクセスによる場合など、一定の条件に当てはまると、個人情報保護委員会への報告と本人への通知が法律上の義務になっています。

## 振り返りと再発防止

復旧した後は、何が起きたか、どこで防げたかを振り返り、対策と手順を見直します。サイバー保険の加入も、被害の費用に備える選択肢の一つです。
`),
				demoReading("社内ルールと従業員教育", "Workplace rules and staff training", 8, `
## ルールは短く、具体的に

中小企業のセキュリティルールは、分厚い規程集である必要はありません。**全員が覚えられる短さ**で、具体的な行動として書くことが大切です。

### ルールの例

- パスワードは会社のパスワード管理ソフトで作成・保管し、使い回さない
- メール、クラウド、ネットバンキングには多要素認証を設定する
- 業務データは会社が認めたクラウドや NAS に保存し、私物の USB メモリや個人のクラウドに保存しない
- 振込先の変更は、メール以外の手段で必ず確認する
- 怪しいメールを開いた、パソコンの様子がおかしいと感じたら、すぐに○○さんに連絡する

## 教育は「年1回の講義」より「こまめな共有」

- 朝礼や社内チャットで、最近の手口を月に1回程度紹介する
- 実際に届いた怪しいメールを（安全な形で）共有し、どこが怪しいかを話し合う
- 新しく入社した人には、初日にルールと連絡先を説明する

## 「報告してくれてありがとう」の文化

セキュリティで一番大切なのは、失敗を隠さない文化です。怪しいメールを開いてしまった人を責めると、次からは誰も報告しなくなります。**早く報告した人に感謝する**ことが、会社を守る最も効果的な対策です。
`),
			),
			demoModule("確認テスト", "Check your understanding",
				demoQuiz("確認テスト：中小企業のセキュリティ対策", "Quiz: cybersecurity hygiene for small businesses", 70,
					demoNumeric("3-2-1 バックアップルールでは、元データを含めて最低いくつのデータのコピーを持つことが推奨されていますか。",
						"3-2-1 ルールの「3」は、元データを含めて**3つ**のコピーを持つことを意味します。「2」は2種類の媒体、「1」は1つを別の場所に保管することです。",
						3, 0),
					demoMultiple("フィッシングメールやビジネスメール詐欺の**兆候**といえるものを**すべて**選んでください。",
						"送信元ドメインの微妙な違い、期限を切って急がせる文面、メールだけでの振込先変更の連絡は、いずれも典型的な兆候です。事前に予告があり、送信元もリンク先も確認できている請求書の通知は、それだけでは兆候とはいえません。",
						demoRight("送信元のドメインが、正規のものと1文字だけ違う"), demoRight("「24時間以内に対応しないとアカウントを停止します」と急がせる"), demoRight("取引先から、メールだけで振込先口座の変更を知らせてきた"),
						demoWrong("事前に電話で予告があり、送信元アドレスとリンク先が正規のものだと確認できた請求書の通知")),
					demoSingle("多要素認証の説明として正しいものはどれですか。",
						"多要素認証は、知識・所持・生体のうち**異なる種類**の要素を2つ以上組み合わせます。パスワードと秘密の質問はどちらも「知識」なので、多要素認証にはなりません。",
						demoRight("知識・所持・生体のうち、異なる2種類以上の要素を組み合わせて本人を確認する"), demoWrong("パスワードを2回続けて入力して本人を確認する"), demoWrong("パスワードと秘密の質問の答えを組み合わせて本人を確認する"), demoWrong("20文字以上の長いパスワードを使って本人を確認する")),
					demoTrueFalse("「ランサムウェアへの感染が疑われるパソコンは、まずネットワークから切り離す。」",
						"**正しい**です。LAN ケーブルを抜き Wi-Fi をオフにして、社内の他の機器やサーバーに被害が広がるのを防ぎます。電源はむやみに切らず、専門家の指示に従います。", true),
					demoTrueFalse("「常時接続しているネットワークドライブ（NAS）にだけバックアップを保存していれば、ランサムウェア対策として十分である。」",
						"**誤り**です。ランサムウェアはネットワークでつながったドライブのデータも暗号化するため、元データと一緒にバックアップも失われるおそれがあります。オフラインやオフサイト、変更不可の保存を組み合わせます。", false),
				),
			),
		},
	}
}
