"""Precision of `harness lint` on real test suites, against a list of findings judged by hand.

Corpus: public test suites that patch a lot and younger, smaller ones where defects are likelier
(below, each at a pinned commit), checked out under
bench/.corpus/suites/<owner>+<name>/ (gitignored, never committed), plus the pytest, celery and
nova sources of bench/lint_speed.py (bench/.corpus/src/, fetched by that script).  To get a
suite:

    git clone https://github.com/<owner>/<name> bench/.corpus/suites/<owner>+<name>
    git -C bench/.corpus/suites/<owner>+<name> checkout <commit>

The script lints each suite (its own project root; a `pyproject.toml` naming the corpus is
written where the repository has none, so the linter never climbs into this project), counts
the patch targets its tests hold, and compares every finding with bench/lint_precision_judged.tsv
(repo, commit, file:line, rule, true/false, why), a list made by reading the code of each
finding.  It prints precision per rule, every finding nobody has judged yet (judge it, add it
to the list, run again), and the judged findings the linter no longer reports (the list keeps
the false positives earlier versions reported, and why they were false).

Run: .venv/bin/python bench/lint_precision.py [--jobs N]
Goal: precision >= 95% for every rule that fires, on at least 100 findings.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUITES_DIR = HERE / ".corpus" / "suites"
JUDGED = HERE / "lint_precision_judged.tsv"
VENV_BIN = Path(sys.executable).parent

# (repository, commit): suites chosen because their tests patch a lot (unittest.mock, mocker,
# monkeypatch), from several fields: a message library, a package manager, a CLI, OpenStack
# services, cloud drivers, a Docker client, an ACME client, an automation tool, an SDK, a Kafka
# client.
SUITES = (
    ("celery/kombu", "9ee8595b835c77b4f04cfb54b40b5d446f985a35"),
    ("pypa/pip", "6d309205789d368b2749d93fd6193d584811efd5"),
    ("python-poetry/poetry", "f46702336862f30050d5c641d5ed6f7568ded793"),
    ("openstack/glance", "c76abb08e2bc82582389059dcbbc234293ce13b9"),
    ("apache/libcloud", "6e39117d6f686e2f49b12fc8a24168d13b6e0ada"),
    ("docker/docker-py", "afc6d1ee308e78b908b96a94298c37fa8c465588"),
    ("certbot/certbot", "f769e35e77f1fa21a75cd5418641502dad8a37c5"),
    ("openstack/cinder", "ab09bc39dbcd4d5b301f2f5da8fcfd9e5ef1fe8c"),
    ("ansible/ansible", "c9ac477e53a99e95781f333eec3329a935c1bf95"),
    ("getsentry/sentry-python", "064542dd2cbdbe0b11f1cda7f47d7d2920b0c38b"),
    ("dpkp/kafka-python", "a3b3836ff3a4b34ebaa42fd93500bfcb16c1e9b7"),
)
# Younger and smaller suites, where the defects the linter looks for are more likely: course
# projects (multi-service Flask apps with flask_testing), tutorials with tests, bots, scrapers,
# Kafka/RabbitMQ workers, Lambda handlers, Home Assistant custom integrations, found by searching public code for patch strings
# (`patch("requests.get")`, `sys.modules[...] = MagicMock()`, autouse fixtures patching clients).
SMALL_SUITES = (
    ("3dg1luk43/ha_washdata", "bdb3bece783232f02fa93b8ec987202ee0dd016d"),
    ("Aebel-Shajan/fcc-pytest", "b99f9177d4252fb774a7a6a7ec66eb3b04fa276d"),
    ("aftergl0wn/TechCore", "aa751798885f04711fe3265c0c84bdd1075ab427"),
    ("agomxz/ai_assitant", "aaf9bf208dd34234ff69fe28e11b6b832415a01b"),
    ("al-one/hass-xiaomi-miot", "c27e19f6d11dd50d52d42a943f211059106bd319"),
    ("alepee/hass-hitachi_yutaki", "c21840f1faa1c40aee864fc6147f37400d828d67"),
    ("Alex007-Biz/AT_Automatic_Tests", "ea1c9a944cf363dcfca46e01122433700e5a9477"),
    ("alexhermida/vigotech-bot", "acbba9350c3fbd4611d420cc368449b68e9def72"),
    ("alkc/flask-mongomock-example", "72a3b0d9f5e5deb762e5091a9b47c4a43ef51830"),
    ("allenokech/SFIA2-Project", "35ee7f6bdff41a1a2151fda8bc74a911e675a866"),
    ("allenporter/home-assistant-synthetic-home", "421cdd91badcc8fedfa63ac156f409772b316e14"),
    ("andreaprosseda/vimar-byme-plus-homeassistant", "5278a87410bc03979a2e87ca5b9df9f502687ed0"),
    ("arjenbos/ha_alpha_home", "3d4c14074996edc01e9ff84d5b2bde365b73aec0"),
    ("arockwell/local_newsifier", "80b527b5f17f8b1ba8f341ffd2c687ca2cf1a27a"),
    ("arshia-rgh/web-scraping", "6c11b3ea094f5465b6e3e6b695a86019d2c2227c"),
    ("ashrith0805/prace", "de83dd283a43a2c2b53f6330fd13ee2253a19b53"),
    ("Astony/alpha_vantage_etl", "31b5140270cf2c87200b3c2bd7b0ddfb191a0976"),
    ("aupire/movie-data-platform", "e8e9f282e20c54ec7244e52adb94c9d6dc38c21f"),
    ("Bigdaddy1990/pawcontrol", "3d2c53481e177f8a783d3fd689f2fc6cf0d50a55"),
    ("BottlecapDave/HomeAssistant-OctopusEnergy", "4c25c7260ae26954eaebc16664797475c0523767"),
    ("bramstroker/homeassistant-powercalc", "bff1af388b49908c4b4a6360aba7921ca89bae25"),
    ("brewmarsh/meraki-homeassistant", "9ed9d7e46ca6f47eca52d3fa0ded11d9be3f3bc8"),
    ("brosquinha/legislei", "cb61c2f8d81672d30a0302b45faf15734e0e5fa9"),
    ("BrunetNathan/irsut", "e42c0312a76b924694df0b32e6f472b1bfdd419c"),
    ("cameronmaske/celery-once", "4f68b6b3c8503b9360179a246521b07315cdf577"),
    ("chaddotson/CommanderPY", "8d7fd2c395bb63d0237f476cee436dfc72fb81d4"),
    ("christiaangoossens/hass-oidc-auth", "779e995b1d85fdd8a784ede7cfe3c07f1fa19e90"),
    ("Christian-Sav/DevOps-Core-Practical-Project", "0d20a44ef7602179480697391bfecdca9c265253"),
    ("chrisvugrinec/azure-openshift-pythonflaskapp", "32f4a5572a4b5646c272124e3dc33900f924981f"),
    ("clandro89/aws-lambda-stream", "148baa5668c3304873cda5e79699e4ef01ed8c55"),
    ("cmgrayb/hass-dyson", "dc9d3d402c9871d7a445c4a945174a0a574b2d91"),
    ("constructorfleet/govee-ultimate", "c6798bf3425e109201561104a5dbacd430703cce"),
    ("csacca/uhoo-homeassistant", "97c003518b4a5f739aa128eec7b3dfc8171ab069"),
    ("custom-components/places", "1cf43dff97b0cb6da4aa681555e3b7146980973e"),
    ("CyrilP/hass-deltadore-tydom-component", "060806d165c0bba303b86fa27592af733513ba7d"),
    ("da-maltsev/gpt-django", "bd1676cf947485065c573cf978233fb9373da438"),
    ("DaanVervacke/hass-engie-be", "cd3ab2785b19b0fb27e0db2bd35c37256061add9"),
    ("Dan4Jer/hass-eedomus", "e6359c1db0fcf57023ca133d614ee0b0ed324ffa"),
    ("danbsilva/queue-orchestrator", "c4a463df3c1c6127dd4da71f1b0cf85e61f280a9"),
    ("danielcherubini/elegoo-homeassistant", "83db65f58d8d8b6d4575c5d9c5d7d48ddd7fe37f"),
    ("dantonic81/etl", "245defa51389acdfa9ece0c0ca8ac0c6e93ed4b5"),
    ("Darklight-03/minecraft-cloudformation-server", "c3e152c9aab48d735280cbc97fa3f93e5939e2f3"),
    ("denpamusic/homeassistant-plum-ecomax", "235dcc21d43b82d16a6fec91beea2ffcbe76584b"),
    ("department-for-transport-BODS/data-quality-service", "300d51b7db73fffd2f10368587d4942aa23fff3f"),
    ("djelacik/surgeopt", "d24a99562237febd32bf3d518202fa86690b2b04"),
    ("Ecronika/ha-preheat", "947e56422dcd491afed7ad21de61b551d315f3c0"),
    ("Edward-Knight/option6", "2948695eb8ff1b22fa2ce9c04f85b736bc98d8c2"),
    ("eigger/hass-omron", "d6758ed2dbd1d8ba5e954ccccf5f90e15e1a0ffa"),
    ("elden1337/hass-peaq", "363c324b873177a17d4ce500316356ab40c41e41"),
    ("elden1337/hass-peaqhvac", "a33ff4be80287f47acaaf8f8976c99abe32db237"),
    ("eraydmrcoglu/recipe-suggestion-chatbot", "4eb14686ece3002b847d280d233c17ffc3d0a2af"),
    ("EvotecIT/homeassistant-dreamelawnmower", "13a1acf1239f2d17f03dc4ee2ead88cd978f9da8"),
    ("ezhuk/pinetext", "729adf12ddfe75837610508e5d601e975f4e4dc0"),
    ("fabiogallotti/Stock", "331f5e154f1e75971cae98d970f05d80c446d29a"),
    ("fabriziodea/DevopsPractical", "132b869fe27d8208ad6c8f8e7a6d711106bb9729"),
    ("FredrikM97/hass-surepetcare", "d47dd9b3461f2a6e9c37fde6d8a4d2688c444d70"),
    ("fregster/ha-hangar-assistant", "e39cba7cad07ff5e7dba465c228efc970694c2a0"),
    ("fyndiq/confluent_kafka_helpers", "625b34fe2afd24e718dc0122efb6222b16a40fa5"),
    ("gabrielhurley/tasktracker-hass-integration", "305eee8979031abbd02cfe76962ca0c3e1a041c3"),
    ("gASK13/UAMTBot2.0", "b368463b84235fa8852ffa0f45e9fed3013a1819"),
    ("Gevie/TheChamber", "9119576cd5b81c40eee3b89160e5c351277bab55"),
    ("gfborges/ddictionary-back-end", "1f09f841b18f0499d55cb7e8724392abee6595f9"),
    ("glasswall-sre/victoria_rebuilder", "0b1f53ba094d0c5954473a44857d5b45ba86ae4f"),
    ("glovguy/email-bot", "8ab895a9186b49fc13ba35bc5e58bf871de70423"),
    ("GovWizely/lambda-contractsfinder", "7b4fdcfd55fe6b65e6f211c5d19507efdd1feb81"),
    ("GuidoJeuken-6512/lambda_heat_pump_hacs", "a25da2bb6ca637586df48ecd707f07f3134e1c95"),
    ("ha-termoweb/ha-termoweb", "520ff4a6ebd160066198dd918df6eec14b7e27ac"),
    ("Hankanman/Area-Occupancy-Detection", "84387fd67994fd53647cee5aec4bc72b3e2849b1"),
    ("hass-energy/haeo", "339a39bd6ae681ca112e99d70b4f918fea726b14"),
    ("homeassistant-ai/ha-mcp", "d971ed503d65fdb5314f4feed38cb828a8e012a1"),
    ("iaindillingham/pipeline", "fdd2b3cde222e3bf89cea644c7ea4872ca1622aa"),
    ("imhireki/ecommerce", "89d5fae54ba106c8d60f8eccf3d054795de6a85b"),
    ("iwantm/QAPracticalProject", "9012153bdce0db6581942a90183de9eb37be5c56"),
    ("JackJPowell/hass-unfoldedcircle", "78ef442a05636f98f9e2d52c60758d28649d4012"),
    ("Jaldsky/SteamTradeBot", "ce55dbaf0c1692743da6dea73166f3add8b8fb27"),
    ("jbergler/hass-ttlock", "9a1ee91a60a5a710d733e18385574be2c3240dc8"),
    ("JeffSteinbok/hass-dreo", "202f262aefad0e77c9b8bb8ed8206ea813d857cf"),
    ("jleinenbach/GoogleFindMy-HA", "cb1cb3aa5831bd8de0c13d13b17e852fc2197e4e"),
    ("jmcollin78/solar_optimizer", "500ab055a38a3188d4867ff98dfe3ad4d4886b23"),
    ("jmcollin78/versatile_thermostat", "b24d617aace4eddeca4bc8ddd60bd6c42dda26e1"),
    ("jmerifjKriwe/hass-solar-window-system", "0af43e00b2ebb6aedb476dd8115a0e233f9ee875"),
    ("josepobletem/cripto_trader", "ded210300267dbc37a01c3042d74eb86634952e7"),
    ("joyfulhouse/eg4_web_monitor", "3aeaa3b4ad1e33d17aaccfc7966991058eec4ffb"),
    ("jseidl/hass-magic_areas", "6c0d1df3b5522d253dcb97277dcb51b74a1c17ea"),
    ("JulesJ1/earthquake_capstone", "bac31186a644a06a3f375928690566c7dc54a83f"),
    ("karzalSlimane/streaming_project", "8c333bd1a8f3f6f179758c35a8645e8ada813189"),
    ("KharitonovAM/Homework10.1", "bc63639cf47c36acb9136e37af0ba6c8312724cd"),
    ("klausj1/homeassistant-statistics", "e8f5800a0a74f777b6d19296c41e759da7515595"),
    ("kogeler/fmi-hass-custom", "a71e3abe8d5b355df75062d7f5f5e2da401eaa66"),
    ("kristofdegrave/homeassistant-smart-charging", "623bcf3ea51cec982d0e13909adf1ee1092a41e7"),
    ("LarsK1/hass_solvis_control", "fff30cdea363756ff787b48574d41e4e33aa51e4"),
    ("legrego/homeassistant-elasticsearch", "5c699d8b7c797b17e528e565d868b64bbb34fdbb"),
    ("lnagel/hass-komfovent", "2cc33f937085033bd38b716760096293f250ea90"),
    ("lnagel/hass-ufh-controller", "47e05ec4ec2791653f986ad41651eb87c8214b82"),
    ("m00grin/freak_farm", "aa13bf58a10c8dad383b9f0414266d80737ab6ee"),
    ("MapleEve/lifesmart-for-homeassistant", "502e5ac2f5c0f33a3d4b4e92b0d3ea735d32af7e"),
    ("martinarva/dynamic_energy_cost", "fd055fd17dba30f719f649944c37274ded144f96"),
    ("MatthewJA/ncssburgerbot", "fb5ab53fe4507117e67ebf9e579c05c76c3f16c7"),
    ("maximus3/msu_mfk_rest_api", "835a7acf81c6103915e263381eb13ad0492c4600"),
    ("MAZY-Tech/mazy-video-email-sender", "df73de9d727ebbd1e6a69bbf123bdfe9c9758f39"),
    ("Me2U-Afrika/Me2U", "aee054afedff1e6c87f87494eaddf044e217aa95"),
    ("michael2to3/fakegeobot", "83d4c36d77787c7421b58bbb5087da33ce6b87b9"),
    ("milanorszagh/evon-smart-home-homeassistant-integration", "754ef2c5e9534d0ef36773a875ec9878506ed52a"),
    ("milhcbt/microservice-training", "81a56c3487f25a51f79293f7ca4d3e4a5cd43c5c"),
    ("mobamba1/SFIA2", "152f3c0bdc08a3a79d3a13f831d85620b1d0b0cd"),
    ("moloch/google_scrapy", "27db1aac85fe486c135ef69e3406dc89ca71666a"),
    ("mosandlt/Bosch-Smart-Home-Camera-Tool-HomeAssistant", "1633c05347265d3c4982e758424c9fe4a941f8dd"),
    ("mupastir/tg-volley-bot-lca", "a3391f734595412d5fcbd6725edbed933496ab3b"),
    ("MusteAbari/football-project", "052a67aef8aa34f97ad98eb89093fc8e66e0045b"),
    ("NatTerpilowska/Practical-Project", "f3a31ca16b9d6f2e692d9cd3ed5e05b37d7b91cc"),
    ("noirbizarre/hass-poolman", "6d7acbc9ea09a294321b3b0ea9ec1df202877e27"),
    ("OliverOakley/project_two", "22bc39e0a34b67edf942e7afa2112ea594c992b0"),
    ("Om801022/DevOps", "02ed511803997fd7ac5e04470ef95b5c7d82c778"),
    ("ope079/sfia-task-2", "4f8e406832a021f2d94e3e1708c52bdd3d8b21d0"),
    ("PacmanForever/meteocat_community_edition", "c48e97191450f31196b81545e33f8936286b6400"),
    ("peterdemin/stupid", "0ed9fbc8c7d5e0559c453b5d67e5985a064727e9"),
    ("ppaglier/voltalis-homeassistant", "f8797e16c86ae6250e699322dc34d75ebc79c4f1"),
    ("renaudallard/homeassistant_be_electricity_prices", "5d7c28fcfbc72ce90e51ddf3af11fcf4024a174b"),
    ("Richter3766/web_crawler", "2a8cae485606abe7612feb19b2203d3413a88567"),
    ("RobLewisQA/Prize_Generator", "cfc242b85d2bac1269c8df2f55b15c630f605f99"),
    ("rwuthric/python-mtc2kafka", "03a99e32b0bd4d4929e9d81b753868fee88cfa4d"),
    ("saabeilin/kafkian", "e0f5107736a81d1db2954124356aa5058195f263"),
    ("Saul2049/Python-syntax-core", "631455e9c63b29890ca2e62070958a590d7de8c8"),
    ("Scarfsail/hass-helman", "5b6a83563d045d2f03771d8bcec948dd2eb79547"),
    ("sevbo2003/Cracking-the-coding-interview", "c63dfcd0a15a25643b9fee3dc9445ad6d9dd1858"),
    ("silverailscolo/ramses_cc", "a77d40db81d4c1e40e6e0ed2a5ddd1b4ada3c5ad"),
    ("skippaDaBitFlippa/news-sentiment-tracker", "2bb831693c044b54164ef1b03d8ae34511b4f625"),
    ("sku899/QA_Project2_World_Travel_Language_Wizard", "a9e009336e2f53c5fc0f3e40af51f34335645e5f"),
    ("spaceexperiment/forum-app", "4cdac4e1c086f89544b4d25232eb6373fb6854e6"),
    ("stanstaton/flask-python-tutorial", "982ae356f61502dbc53f9e1dc40f5fb9b20da80b"),
    ("sugipamo/project-cph", "b6dfaaca260375b763ce58dcad7574fcfda7d346"),
    ("supernova1963/eedc-homeassistant", "41c6499f13b91d0cd6e288b9445c016b4b075ab3"),
    ("tauanesales/Sistema-PGCop-UFBA", "50c471f5fb2973e459df2d811bda0c09d574ed74"),
    ("techmhe/marstek-local-api-network-relay", "d895a3614945b1de2b3eccfcee67d259798e22e1"),
    ("thalesapenas/dashboard-1", "9152bdb81fe9dd9b00e216be2b79b48cd9b2e657"),
    ("thecem/lambda_heat_pumps", "68d55256aea2e69a0cf1228408b6d6791b110128"),
    ("thundergolfer/arXie-Bot", "f074eec109e10bb34ad615336c61f185ff96e6ed"),
    ("tonyperkins/homeassistant-broadlink-manager-v2", "5ea003789b99aedaa23a277aad0495160c0a44ce"),
    ("TraverseJurcisin/Horticulture-Assistant-HASS-REPO", "527de2448e9b2048d7aca941807a696a14581d9d"),
    ("travisghansen/hass-opnsense", "8f3bf499c97528b08c205826050a04070cba94a1"),
    ("Trilian/assistant_matanne", "7b5c7edddf8e1b3aab02c0cad2a701bf02e76b83"),
    ("troykelly/homeassistant-emby", "2477e64ad265dac74a121e0af8ff5d2c7a7416ee"),
    ("twaslowski/telegram-mood-tracker", "78b8b59e4fe66578e21a085c5abd09ced68b9c64"),
    ("txxa/hass-ans", "730039480950a40fdff0d303d470c36b2f28450b"),
    ("tykeal/homeassistant-captive-portal", "0559ac0948810cab23edefe9e477a21458dd4dc3"),
    ("tykeal/homeassistant-hospitable", "e35d66bdbf5c8d3ce0ddd8755e4365d5267143a5"),
    ("tykeal/homeassistant-rental-control", "3f0630a4f6a2783e56720e175f2bc924f6be4cc7"),
    ("VladimirKomarkov/sprint_3", "84b7719dbabd9f70c9cead2bf2eeef32913efc35"),
    ("vladmesh/codegen_orchestrator", "4d764651d25be3889a3ea7219c0a5695b68a120e"),
    ("WaresWichall/hass-anycubic_cloud", "7512a3fb9a59c30fe6240392c585aa3695dcc858"),
    ("whiteynoise/netflix_at_home", "9698a129521dae9518cbf6f4e2c8ebe2738933d0"),
    ("xirixiz/homeassistant-afvalwijzer", "33adf4504cc665fb6a3bdd2f99ed36e30bd1e41b"),
    ("ykyasin/Movie-generator", "38d5150e11a6cf8f9373c33012fe3cb66220c730"),
    ("yooseongc/ambassador-microservice", "364f4602db966005b7694f71f4f757f85bbf93e3"),
    ("zacala1/hass-geofence-journal", "8ef3138f2fd32e04b49d659e9a5a3a7737a33f6f"),
    ("zerbinidamata/MLStudyGroup", "be11c90efb0813169eb1a8cb168d3803bea6383c"),
)
# The bench/lint_speed.py corpus: source distributions, so no commit; the version stands for it.
SPEED_CORPUS = ("lint_speed", "pytest-9.2.0+celery-5.7.0+nova-34.0.0")


def suite_dir(repo: str) -> Path:
    return SUITES_DIR / repo.replace("/", "+")


def speed_corpus_dir() -> Path | None:
    sys.path.insert(0, str(HERE))
    try:
        import lint_speed
    finally:
        sys.path.pop(0)
    try:
        lint_speed.ensure_corpus()
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"  lint_speed corpus unavailable ({error}); skipped", file=sys.stderr)
        return None
    return lint_speed.SOURCES


def count_patch_targets(root: Path) -> int:
    """Patch targets in the suite's test files and conftests, as the linter reads them."""
    from harness.lint.records import is_test_file, read_record

    total = 0
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = os.path.join(directory, name)
            if name.endswith(".py") and is_test_file(path):
                record = read_record(path, 2_000_000)
                if record.setup is not None:
                    total += sum(1 for p in record.setup.patches if p.how != "assign")
    return total


def lint(root: Path, jobs: int) -> list[dict]:
    if not (root / "pyproject.toml").exists():
        (root / "pyproject.toml").write_text(f"[project]\nname = '{root.name}-corpus'\n")
    completed = subprocess.run(
        [str(VENV_BIN / "harness"), "lint", "--no-cache", "--jobs", str(jobs), "--format",
         "json", "."],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode not in (0, 1):
        # Unreadable files are reported on stderr and do not stop the run: keep the findings.
        print(f"  {root.name}: exit {completed.returncode}; {completed.stderr.strip()[:300]}")
    return json.loads(completed.stdout or "[]")


def load_judged() -> dict[tuple[str, str, str], tuple[bool, str]]:
    judged = {}
    if JUDGED.exists():
        with JUDGED.open(newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                key = (row["repo"], row["location"], row["rule"])
                judged[key] = (row["verdict"].strip().lower() == "true", row["why"])
    return judged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=0, help="processes per lint (0: every core)")
    args = parser.parse_args()
    judged = load_judged()
    corpora = [(repo, commit, suite_dir(repo)) for repo, commit in (*SUITES, *SMALL_SUITES)]
    speed = speed_corpus_dir()
    if speed is not None:
        corpora.append((*SPEED_CORPUS, speed))

    true_by_rule: Counter[str] = Counter()
    false_by_rule: Counter[str] = Counter()
    unjudged: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    linted: set[str] = set()
    patch_targets = 0
    print(f"{'suite':<24} {'commit':<12} {'patch targets':>13} {'findings':>9}")
    for repo, commit, root in corpora:
        if not root.is_dir():
            print(f"{repo:<24} missing: clone it into {root} at {commit} (see the docstring)")
            continue
        targets = count_patch_targets(root)
        findings = lint(root, args.jobs)
        linted.add(repo)
        patch_targets += targets
        print(f"{repo:<24} {commit[:12]:<12} {targets:>13} {len(findings):>9}", flush=True)
        for finding in findings:
            location = f"{finding['path']}:{finding['line']}"
            seen.add((repo, location, finding["code"]))
            verdict = judged.get((repo, location, finding["code"]))
            if verdict is None:
                unjudged.append(f"  {repo} {location} {finding['code']} {finding['message']}")
            elif verdict[0]:
                true_by_rule[finding["code"]] += 1
            else:
                false_by_rule[finding["code"]] += 1

    print(f"\nsuites linted: {len(linted)}; patch targets in all: {patch_targets}")
    print(f"{'rule':<6} {'true':>5} {'false':>6} {'precision':>10}")
    for code in sorted(set(true_by_rule) | set(false_by_rule)):
        true, false = true_by_rule[code], false_by_rule[code]
        print(f"{code:<6} {true:>5} {false:>6} {true / (true + false):>10.1%}")
    true, false = sum(true_by_rule.values()), sum(false_by_rule.values())
    if true + false:
        print(f"{'all':<6} {true:>5} {false:>6} {true / (true + false):>10.1%}")
    gone = [key for key in judged if key[0] in linted and key not in seen]
    if gone:
        wrong = sum(1 for key in gone if not judged[key][0])
        print(f"\njudged findings no longer reported: {len(gone)} ({wrong} judged false, "
              f"{len(gone) - wrong} judged true)")
        for key in sorted(gone):
            print(f"  {key[0]} {key[1]} {key[2]} {'true' if judged[key][0] else 'false'}")
    if unjudged:
        print(f"\n{len(unjudged)} finding(s) not judged yet (add them to {JUDGED.name}):")
        print("\n".join(unjudged))
    return 1 if unjudged else 0


if __name__ == "__main__":
    sys.exit(main())
