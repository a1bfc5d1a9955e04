"""The word lists the rules look for, in one place; `scan` finds all of them in one pass.

Phrases are lower-case; a space stands for any run of whitespace.
"""

from __future__ import annotations

from curation.preannotate.lexicon import words

# HEDGE cues by how much doubt they express.
HEDGE_STRONG = words("""may|might|could|possibly|possible|perhaps|maybe|allegedly|alleged|reportedly|purportedly|
purported|supposedly|rumoured|rumored|unconfirmed|unclear|not clear|speculated|speculation|unlikely|may have|
might have|could have|is said to|are said to|was said to|were said to|it is possible|there is a possibility|
cannot be ruled out|not ruled out|potentially|potential|suspected|suspect|presumably|seemingly|apparently|doubtful|
doubt|doubts""")
HEDGE_MODERATE = words("""likely|probably|probable|believed|believe|believes|thought to|is thought|are thought|
was thought|expected to|is expected to|are expected to|was expected to|were expected to|is expected|are expected|
appears to|appear to|appeared to|it appears|it appeared|appears that|would appear|seems to|seem to|seemed to|seems|
suggests|suggest|suggested|suggesting|indicates|estimated|an estimated|largely|considered|regarded as|is considered|
are considered|assess|assessed|assume|assumed|understood to|is understood|claimed|reported to|tends to|tend to|
in some cases|to some extent|arguably|believed to|it is said|it has been said|it has been suggested|
it has been argued|it has been claimed|it has been reported|it has been speculated|widely believed|widely thought|
widely considered|widely regarded|widely held|widely seen as|widely viewed as|widely expected|widely assumed""")
HEDGE_WEAK = words("""highly likely|very likely|most likely|more likely|almost certainly|almost certain|
virtually certain|in all likelihood|very probably|largely expected|generally|in general|so-called""")
# Vague quantifiers: hedges only in weasel position (curation.preannotate.hedges).
QUANTIFIERS = words("some|many|several|certain|various|numerous|most")

# Verbs (and verb phrases) of saying, thinking and finding that open an attribution frame.
REPORTING_VERBS = words("""said|says|say|told|tells|tell|added|adds|stated|states|reported|reports|report|claimed|
claims|claim|warned|warns|warn|announced|announces|noted|notes|argued|argues|insisted|insists|explained|explains|
confirmed|confirms|denied|deny|denies|acknowledged|acknowledges|admitted|admits|believe|believes|suggested|suggests|
predicted|predicts|expect|expects|wrote|writes|testified|alleged|alleges|revealed|reveals|assess|assessed|concluded|
estimated|estimates|maintained|maintains|stressed|stresses|cautioned|emphasised|emphasized|recalled|conceded|
contended|asserted|asserts|declared|disclosed|indicated|observed|remarked|reiterated|replied|cited|cites|called|calls|
accused|accuses|criticized|criticised|criticizes|criticises|attacked|questioned|urged|urges|vowed|vows|promised|
promises|pledged|proposed|tweeted|posted|asked|asks|responded|answered|defended|praised|blamed|blames|condemned|
dismissed|rejected|agreed|agrees|mentioned|described|countered|demanded|recommended|complained|joked|boasted|bragged|
speculated|hoped|feared|worried|think|thinks|thought|knows|found|finds|showed|shows|show|suggest|insist|argue|
signaled|signalled|hinted|acknowledge|contend|want|wants|wanted|admit|point out|pointed out|points out|pointed to|
points to|weighed in|chimed in|likened|likens|endorsed|endorses|chastised|blasted|slammed|lambasted|expressed|
learned|has learned|reads|predict|estimate|conclude|concludes|recommends|insisting""")
# Verbs that follow their quote and precede their source: '"...," said Lim'.
INVERTED_VERBS = words("said|says|told|added|wrote|asked|explained|warned|noted|continued|argued|insisted|recalled|"
                       "replied|tweeted")
# Participles that attribute to the subject of their clause: "Trump attacked Clinton, saying ...".
PARTICIPLES = words("saying|adding|arguing|claiming|noting|insisting|warning|explaining|writing|telling|stressing|"
                    "suggesting|citing|calling")
# Nouns of saying whose possessor is a source: "his claim that ...".
CLAIM_NOUNS = words("""claim|claims|statement|statements|remarks|comments|assertion|argument|view|views|words|
testimony|tweet|tweets|response|allegation|allegations|accusation|accusations|promise|pledge|warning|suggestion|
insistence|contention|belief|position|speech""")
ACCORDING_TO = "according to"

# Words that make a statement more worth checking, by kind (curation.preannotate.claims).
SIGNAL_WORDS = {
    "comparison": words("""more|less|fewer|higher|lower|most|least|largest|biggest|smallest|highest|lowest|record|
        first|only|increase|increased|increases|decrease|decreased|decreases|rose|fell|grew|cut|raised|dropped|
        jumped"""),
    "causal": words("because|due to|caused|causes|led to|leads to|resulted in|results in|result in|as a result|"
                    "driven by|blamed"),
    "prediction": words("""will|would|expected|forecast|predict|predicts|predicted|prediction|could|may|might|likely|
        plan to|plans to|going to"""),
    "event": words("""killed|died|attacked|signed|visited|announced|arrested|launched|voted|elected|won|lost|sent|
        deployed|invaded|built|closed|opened|found|passed|approved|banned|fired"""),
    "opinion": words("i think|i believe|i feel|we should|we must|let me|thank you|i want|you know|in my view"),
    "quantity": words("half|third|quarter|double|doubled|twice|tripled"),
}
