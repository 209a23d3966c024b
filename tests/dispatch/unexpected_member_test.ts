/**
 * Which unexpected argument member qga-deno names when a request has several: qemu-ga names the
 * first one left in its GLib hash table (see src/qobject/ghash_order.ts), not the first one in
 * the request.
 *
 * The fixed cases were recorded from Debian's qemu-ga 7.2 (`/usr/sbin/qemu-ga`). When that
 * binary is installed, a live check also compares both agents on 2,000 random requests (2..64
 * unexpected members each; `QGA_UNEXPECTED_CASES=<n>` and `QGA_UNEXPECTED_SEED=<n>` change the
 * count and the seed).
 *
 * @module
 */

import assert from "node:assert/strict";
import { AgentProcess, ORACLE_PATH, oracleArgv } from "../helpers/agent_process.ts";
import { prng } from "../helpers/prng.ts";
import { Ours, unexpectedRequest } from "./unexpected_gen.ts";

/** [request, qemu-ga's `desc`] as recorded from qemu-ga 7.2. */
const RECORDED: readonly (readonly [string, string])[] = [
  [
    '{"execute":"guest-ping","arguments":{"%s%n":true,"":1843},"id":1841}',
    "Parameter '' is unexpected",
  ],
  [
    '{"execute":"guest-file-read","arguments":{"handle":1,"count":2,"x":1,"y":2},"id":1}',
    "Parameter 'y' is unexpected",
  ],
  [
    '{"execute":"guest-file-read","arguments":{"x":1,"handle":1,"y":2},"id":2}',
    "Parameter 'y' is unexpected",
  ],
  [
    '{"execute":"guest-file-read","arguments":{"count":1,"zz":0,"handle":1,"aa":2,"mm":3},"id":3}',
    "Parameter 'aa' is unexpected",
  ],
  [
    '{"execute":"guest-file-read","arguments":{"count":1,"zz":0,"aa":2,"mm":3},"id":4}',
    "Parameter 'handle' is missing",
  ],
  [
    '{"execute":"guest-set-vcpus","arguments":{"vcpus":[{"logical-id":99999,"online":true,"zz":1,"yy":2}],"q":1,"r":2},"id":5}',
    "Parameter 'vcpus[0].yy' is unexpected",
  ],
  [
    '{"execute":"guest-set-vcpus","arguments":{"vcpus":[{"logical-id":99999,"online":true},{"logical-id":99998,"b":1,"a":2,"online":false}],"q":1},"id":6}',
    "Parameter 'vcpus[1].b' is unexpected",
  ],
  [
    '{"execute":"guest-set-vcpus","arguments":{"q":1,"vcpus":[{"logical-id":99999,"online":true}],"r":2,"s":3},"id":7}',
    "Parameter 's' is unexpected",
  ],
  [
    '{"execute":"guest-info","arguments":{"\\u0000":1,"\\u00e9":2,"😀":3,"\\u0000\\u0000":4},"id":8}',
    "Parameter '\\u00E9' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1},"id":102}',
    "Parameter 'k1' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2},"id":103}',
    "Parameter 'k1' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3},"id":104}',
    "Parameter 'k1' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4},"id":105}',
    "Parameter 'k1' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5},"id":106}',
    "Parameter 'k1' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6},"id":107}',
    "Parameter 'k6' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7},"id":108}',
    "Parameter 'k6' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8},"id":109}',
    "Parameter 'k6' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9},"id":110}',
    "Parameter 'k6' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10},"id":111}',
    "Parameter 'k10' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11},"id":112}',
    "Parameter 'k10' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12},"id":113}',
    "Parameter 'k10' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13},"id":114}',
    "Parameter 'k10' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14},"id":115}',
    "Parameter 'k10' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15},"id":116}',
    "Parameter 'k7' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16},"id":117}',
    "Parameter 'k7' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17},"id":118}',
    "Parameter 'k7' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18},"id":119}',
    "Parameter 'k7' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19},"id":120}',
    "Parameter 'k7' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20},"id":121}',
    "Parameter 'k7' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20,"k21":21},"id":122}',
    "Parameter 'k7' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20,"k21":21,"k22":22},"id":123}',
    "Parameter 'k7' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20,"k21":21,"k22":22,"k23":23},"id":124}',
    "Parameter 'k21' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20,"k21":21,"k22":22,"k23":23,"k24":24},"id":125}',
    "Parameter 'k21' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20,"k21":21,"k22":22,"k23":23,"k24":24,"k25":25},"id":126}',
    "Parameter 'k13' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20,"k21":21,"k22":22,"k23":23,"k24":24,"k25":25,"k26":26},"id":127}',
    "Parameter 'k13' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20,"k21":21,"k22":22,"k23":23,"k24":24,"k25":25,"k26":26,"k27":27},"id":128}',
    "Parameter 'k13' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20,"k21":21,"k22":22,"k23":23,"k24":24,"k25":25,"k26":26,"k27":27,"k28":28},"id":129}',
    "Parameter 'k13' is unexpected",
  ],
  [
    '{"execute":"guest-ping","arguments":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18,"k19":19,"k20":20,"k21":21,"k22":22,"k23":23,"k24":24,"k25":25,"k26":26,"k27":27,"k28":28,"k29":29},"id":130}',
    "Parameter 'k13' is unexpected",
  ],
  [
    '{"execute":"guest-set-vcpus","arguments":{"vcpus":[{"online":true,"\\ua5e1i本\\u111c":2.5,"":[],"%-\\ufae8":2.5,"z%-t\\tr \\u162a\\u5879c":2.5},{"online":false,"logical-id":95463}]},"id":200}',
    "Parameter 'vcpus[0].logical-id' is missing",
  ],
  [
    '{"execute":"guest-file-read","arguments":{"psck\\u4d1aw":2.5,"\\uc83a\\u3d84":-7,"":{},"j�s":"x","xcࠀ k\\u5c4c￼$vc":null,"ÿ߿本ÿ�":1,"count":9},"id":201}',
    "Parameter 'handle' is missing",
  ],
  [
    '{"execute":"guest-sync","arguments":{"":[],"8\\u830c":-7,"Ble1":null,"\\u6641\\u0000":{},"vwu i6":1,"本€":1,"4kl本本":null,"\\ub807":"x","\\u0000":2.5,"id":49,"ox":{},"2B\\u0000":null},"id":202}',
    "Parameter '\\u6641\\u0000' is unexpected",
  ],
  [
    '{"execute":"guest-sync","arguments":{"id":69,"-C1\\nv$Bb߿6 𝄞":1,"x":1,"\\u0001":true,"\\u0000":true,"𝄞\\u40f4ÿ�i":null,"al0\\nq8 yA\\n":-7,"\\uca58%文/\\u0001ér2":2.5,"eh￼s":"x","s4-p文\\u1de2\\u0000cs\\u0000":-7},"id":203}',
    "Parameter '\\uCA58%\\u6587/\\u0001\\u00E9r2' is unexpected",
  ],
  [
    '{"execute":"guest-set-vcpus","arguments":{"✓\\u4181":-7,"yX":[],"k_€kk ࠀmz.":{},"8":-7,"wn\\ub21a_C本\\u2bc8C":2.5,"fiࠀft😀fx":"x","-ldXg中":-7,"0日c\\ue6e26":true,"\\uc93aZ�":[],"Y𝄞":{},"\\u9a36 5nc\\uc25fx":null,"vcpus":[{"logical-id":94703,"online":false},{"logical-id":92204,"online":true}]},"id":204}',
    "Parameter '\\u0080\\uC93AZ\\uFFFD' is unexpected",
  ],
  [
    '{"execute":"guest-set-vcpus","arguments":{"j2文ࠀ日l7":2.5,"vcpus":[{"C\\uece7\\t😀-Xü߿":"x",".0ß\\u597ezX日\\"l3\\u09a2-qégeßA\\u85ebÿ\'n0€ d7kÿux":null,"é\\u00009k":true,"文0qp\\u0000e":1,"online":true,"logical-id":95745,"1%":{},"\\u416b":-7,"r1X":true,"x":{},"sn\\u0000":[]},{"online":false,"logical-id":93893}]},"id":205}',
    "Parameter 'vcpus[0].\\u00E9\\u00009k' is unexpected",
  ],
  [
    '{"execute":"guest-set-vcpus","arguments":{"_":"x","vcpus":[{"ࠀ\\u7dc2𝄞":2.5,"logical-id":94919,"i$":null,"fg m":{},"online":true,"8\\u0000y\\u0000-ü\\u0000":-7,"q":"x"},{"online":true,"2ow":null,"Z":null,"":-7,"o\\u5352laC/dé\\u0000X":2.5,"logical-id":98426}]},"id":206}',
    "Parameter 'vcpus[0].i$' is unexpected",
  ],
  [
    '{"execute":"guest-file-seek","arguments":{" z\\u0001$\\n\\u0000":{},"X\\u0000%߿X\\u614b":null,"63u":true,"7€":2.5,"offset":0,"8":1,"Cx😀":[],"\\u7de3X\\"߿ßig\\u7c5c\\u4d7e\'":-7,"f":[],"handle":1291," dq":1},"id":207}',
    "Parameter 'whence' is missing",
  ],
  [
    '{"execute":"guest-file-write","arguments":{"\\u0000Zm\\u0000\\"l\\u40144\\u0000\\u4d79":null,"😀":2.5,"l4m\\u0000  \\u8eb89":2.5,"s\\u2c68\\u587a߿":[],"%rxf\\ub0a5y":true,"count":1,"b\\\\\\ufa3deB":"x","buf-b64":"QUJD","handle":1618,"ࠀé06X𝄞":true},"id":208}',
    "Parameter 'l4m\\u0000 \\u00A0\\u8EB89' is unexpected",
  ],
  [
    '{"execute":"guest-set-vcpus","arguments":{"vcpus":[{"online":false,"logical-id":92312},{"logical-id":93298,"online":false}],"y":1,"84✓i文i\\u8392a\\u0000\\u682b":2.5,"日i文𝄞":[],"✓o\\u92ce\\uea7c𝄞s✓d":[],"":"x","xY":{},"\\u00004\\"u3nYiü":{},"v":1},"id":209}',
    "Parameter '' is unexpected",
  ],
  [
    '{"execute":"guest-file-seek","arguments":{"3\\u0909k":1,"5imli\\u0000xnl\\u6579l4\\ub3a8.\\u00003ࠀ9h":{},"😀3日\\u0000\\n￼\\u0000ajw":true,"4":{},"handle":1687,"whence":1,"offset":0,"\\u00001\\u424c￼\\u41af日b😀C\\u0000":2.5},"id":210}',
    "Parameter '\\uD83D\\uDE003\\u65E5\\u0000\\n\\uFFFC\\u0000ajw' is unexpected",
  ],
  [
    '{"execute":"guest-info","arguments":{"\\u0f82本\\u8947u\\u0000Z中$i":null,"ru𝄞":true,"\\u76c4":true,"875z /pC\\u0000m":true,"4￼\\u0000":1,"X":[],"\\u6cc5日vw\\u10f0߿\\uee95ovr06p38kg-\\u2b1c5\\u0000kbc\\u9e6e$\\u0000Z中q":[],"\\ua22dY\\u2091f✓mc/\\ua9e1q":1,"￼i":[],"vb A":{},"8":{},"o\\u0000\\u1f4a日":true},"id":211}',
    "Parameter '8' is unexpected",
  ],
  [
    '{"execute":"guest-file-write","arguments":{"xü":true,"\\u92a5\\u000071日p\\u0001\\ua8a0本fZ9k%rB😀✓\\u0118zq4z$1":null,"handle":1066,"Y":null,".a":1,"befX😀7ࠀccAa9zx\'6\\u1878":1,"count":1},"id":212}',
    "Parameter 'buf-b64' is missing",
  ],
  [
    '{"execute":"guest-file-read","arguments":{"\\u9421pYbjÿ0":1,"qb\\\\0":{},"count":1,"o":true,"é文ms95本ࠀ":true,"akbduA$":[],"-%$6cw߿éw\\u3872\\u0000\\ue000Zi2e\\u0000\\u0000":1,"15h \\u51db✓%8":"x","":{},"handle":1469,"\\u8476":2.5,"中c":{},"q6kk\\u8c12Y\\ue2d6":[]},"id":213}',
    "Parameter 'o' is unexpected",
  ],
  [
    '{"execute":"guest-set-vcpus","arguments":{"n9":[],"r\\u3adc5éqg\\ua75a":true,"vcpus":[{"online":true,"logical-id":94416},{"online":false,"logical-id":91136},{"logical-id":93107,"online":true}],"9n\\u0218uzz本ot😀":1,"\\u000003߿s✓f":"x","tmY t\\u33b50_.":{},"$ia5pZv\\u0000\\uccc7%":"x","ifX/hwü":1,"f8\\u0000vr":2.5,"ÿ日%\\ua23d\\n日中Ye":{},"t文njZ\\u8caexÿ":[],"X😀":-7,"\\u6833":1},"id":214}',
    "Parameter '\\u6833' is unexpected",
  ],
  [
    '{"execute":"guest-sync","arguments":{"":2.5,"k\\u00007":"x","\\u14date-日":true,"\\u0001￼":2.5,"XjXv\\u7bee":1,"\\u87dd✓":true,"id":63},"id":215}',
    "Parameter '\\u0001\\u0080\\uFFFC' is unexpected",
  ],
  [
    '{"execute":"guest-file-read","arguments":{"z文中o":true,"XC\\u0000本\\ud50br":true,"8 g":2.5,"ifk":[],"k8\\u74d8":[],"handle":1293,"count":4},"id":216}',
    "Parameter 'XC\\u0000\\u672C\\uD50Br' is unexpected",
  ],
  [
    '{"execute":"guest-sync","arguments":{" flwXg\\u0000":true,"4z":1,"\\u000142\\u007e本fB😀\\u00002":true,"r37%\\uaf44":"x"," ":true,"z\\u3a49\\u00001😀7\\u0000\\u0000\\ub38fm\\niࠀ0中\\u0000\\u0000A\'Y":null,"id":48,"u":{},"日X":1,"y�un2j￼q":-7,"":"x","üBr":{}},"id":217}',
    "Parameter 'u' is unexpected",
  ],
  [
    '{"execute":"guest-file-read","arguments":{".p\\u0000":1,"\\u0000f6":1,"𝄞 ":true,"count":1,"A0n\\u0a18\\u0000\\u6a4daCk":1,"\\ucf9fo\\ud554":null,"handle":1653,"�_q\\uc14a3x0":-7},"id":218}',
    "Parameter 'A0n\\u0A18\\u0000\\u6A4DaCk' is unexpected",
  ],
  [
    '{"execute":"guest-sync","arguments":{" ":null,".\\u0000%日0ÿA$":1,"lv�7y5x\\u5da3":{},"z\\ts\\\\\\\\08q￼\\uf64d":2.5,"id":49,"a":-7,"12€\\u4f02o\\u053a/ÿ✓v":true,"xc1\\u0000Aj-hé𝄞":-7,"A2":"x","nkv\\ua9b3":2.5},"id":219}',
    "Parameter 'z\\ts\\\\\\\\08q\\uFFFC\\uF64D' is unexpected",
  ],
  [
    '{"execute":"guest-info","arguments":{"-Ywa本\\u5b449ßé% zXgÿcu\\nm \\ud5d5 gßp ügn\\u56a9":2.5,"wé߿nbB":[],"ß":1,"0l":null,"😀\\u0000\\u3603￼\\u6623":-7,"\\u2c97a7中wg\\u32f8߿✓1- m中\\u0000c2\\ufb03\\u6f84€21😀CpvXhl%$\\u44abéZ5ehu":1,"\\u0000$2 m\\uc689.ß\\u3811":"x","B5a€":2.5,"\\u2af4ÿ":null,"q\\u0097\\u0000\\u8c12\\u71db日dB":true},"id":220}',
    "Parameter '\\u0000$2 m\\uC689.\\u00DF\\u3811' is unexpected",
  ],
  [
    '{"execute":"guest-file-seek","arguments":{"�e�Xg\\u0000 -":true,"üv":"x","handle":1724,"offset":0,"whence":"set"},"id":221}',
    "Parameter '\\uFFFDe\\uFFFDXg\\u0000\\u00A0-' is unexpected",
  ],
  [
    '{"execute":"guest-file-read","arguments":{"u":null,"":2.5,"ßZ o\\u6c3f":-7,"qB":1,"Z日":2.5,"X":true,"u/tg\\u3a648😀\\n":[],"handle":1042,"count":7,"￼✓\\u9bd7\\u1d7c✓":1,"2\\u0000ztaÿg%\\u2b25\\u5287":2.5,"/8Z":[]},"id":222}',
    "Parameter 'u' is unexpected",
  ],
  [
    '{"execute":"guest-file-read","arguments":{"qbZ":[],"handle":1724,"\\u6b34":2.5,"\\njlj.\\uec9cx.":"x","n3€6":2.5,"4\\uc17div\\u1904\\\\\\u89c9A":{},"c":{},"A\'":{},"3":"x"},"id":223}',
    "Parameter 'qbZ' is unexpected",
  ],
  [
    '{"execute":"guest-file-write","arguments":{"f\\u72f5-":2.5,"handle":1219,"-9\\ue3c8 \\ue06fp日xZ":"x","X\\n":2.5,"l":true,"üs-p文𝄞nCf":null,"buf-b64":"QUJD","count":1,"":[],"�￼ࠀk16\\u50059i\\uf7ff/€\\u0000oqyw5r\\uf9041l-e\\u7bb61\\u97d8m460𝄞文\\u0000am":true},"id":224}',
    "Parameter '\\u00FCs-p\\u6587\\uD834\\uDD1EnCf' is unexpected",
  ],
  [
    '{"execute":"guest-file-read","arguments":{"中😀ÿd\\u0000ohr4p":null,"€\\u0000\\ub4bfip✓y9":-7,"hr\\u0000ay6y/eB":{},"count":4},"id":225}',
    "Parameter 'handle' is missing",
  ],
  [
    '{"execute":"guest-file-read","arguments":{"l\\u00007ࠀ":2.5,"𝄞xv":1,"count":7,"7oe日\'$ \\t𝄞𝄞日 ࠀj/  中oqw_\\u0000hCZ.k iࠀ_":{},"ÿ€19 \\u748e\\u1f77�\\\\ßn3\\\\\\u0221✓Cxs߿日2h\\ub02a6\\u0000z\\u0000By\\uf87c":null,"Z3/\\tß\\u0e7b 9a":{}},"id":226}',
    "Parameter 'handle' is missing",
  ],
  [
    '{"execute":"guest-info","arguments":{"l\\\\✓q𝄞𝄞":-7,"4f.\\u0000":true,"A𝄞vh�0ü":[],"e5m":1,"日iC\\u0000\\u0001ü":{},"𝄞Zl":null,"Z":null,"文o%\\u00000X0߿\\u5bd9x":{},"":true,"ß$𝄞B":[],"文Yücg1":[],"ézov":{}},"id":227}',
    "Parameter '' is unexpected",
  ],
  [
    '{"execute":"guest-info","arguments":{"0$ziéh文":{},"Y\\u0000ü-.ü5":[]},"id":228}',
    "Parameter '0$zi\\u00E9h\\u6587' is unexpected",
  ],
  [
    '{"execute":"guest-file-seek","arguments":{"p✓":{},"handle":1703,"whence":"end","\\u0000n/\\u0000߿":1,"offset":0},"id":229}',
    "Parameter 'p\\u2713' is unexpected",
  ],
];

Deno.test("visitMembers() names the unexpected member qemu-ga names (recorded cases)", async () => {
  const ours = new Ours();
  for (const [request, desc] of RECORDED) {
    const id = /"id":(\d+)\}$/.exec(request)![1];
    assert.equal(
      await ours.reply(request),
      `{"id": ${id}, "error": {"class": "GenericError", "desc": "${desc}"}}\n`,
      request,
    );
  }
});

const oracleInstalled = await Deno.stat(ORACLE_PATH).then(() => true, () => false);

Deno.test({
  name: "unexpected members: same reply as the live qemu-ga on random requests",
  ignore: !oracleInstalled,
  async fn() {
    const count = Number(Deno.env.get("QGA_UNEXPECTED_CASES") ?? 2000);
    const seed = Number(Deno.env.get("QGA_UNEXPECTED_SEED") ?? 0x5EED);
    const dir = await Deno.makeTempDir({ prefix: "qga-unexpected-" });
    const oracle = await AgentProcess.start({
      argv: oracleArgv(`${dir}/qga.sock`, dir),
      socket: `${dir}/qga.sock`,
    });
    const client = await oracle.connect(20_000);
    const latin1 = new TextDecoder("latin1");
    const ours = new Ours();
    const next = prng(seed);
    const mismatches: string[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const request = unexpectedRequest(next, i + 1);
        const { reply } = await client.exchange(request);
        const expected = latin1.decode(reply);
        const actual = await ours.reply(request);
        if (actual !== expected && mismatches.length < 5) {
          mismatches.push(
            `${new TextDecoder().decode(request)}\n  qemu-ga: ${expected}  ours:    ${actual}`,
          );
        }
      }
    } finally {
      await client.close();
      await oracle.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    assert.deepEqual(mismatches, [], `seed ${seed}`);
  },
});
