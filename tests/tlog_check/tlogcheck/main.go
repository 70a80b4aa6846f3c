// tlogcheck: an independent checker of smeledger's signed notes, checkpoints and Merkle proofs,
// built only on golang.org/x/mod/sumdb/note, github.com/transparency-dev/formats/log and
// github.com/transparency-dev/merkle. It shares no code with the C++ side on purpose: a bug in
// our encoder must not be mirrored by our checker. See README.md for the inputs.
//
// Exit status: 0 valid, 1 invalid (the reason on stderr), 2 bad usage or unreadable input.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

const usage = `usage:
  tlogcheck note --vkey K FILE          verify a signed note, print its text
  tlogcheck checkpoint --vkey K FILE    verify a signed checkpoint, print it as JSON
  tlogcheck inclusion FILE              verify an inclusion proof (JSON, see README.md)
  tlogcheck consistency FILE            verify a consistency proof (JSON, see README.md)
  tlogcheck inclusion-lines [--all-invalid] FILE
  tlogcheck consistency-lines [--all-invalid] FILE
                                        one proof a line: every one verifies (or, with
                                        --all-invalid, every one is refused)
  tlogcheck keygen NAME                 print a new signer key, then its verifier key
  tlogcheck sign --skey K FILE          sign the text in FILE, print the note
`

type usageError struct{ error }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "note":
		err = cmdNote(args)
	case "checkpoint":
		err = cmdCheckpoint(args)
	case "inclusion":
		err = cmdInclusion(args)
	case "consistency":
		err = cmdConsistency(args)
	case "inclusion-lines":
		err = cmdLines("inclusion", args)
	case "consistency-lines":
		err = cmdLines("consistency", args)
	case "keygen":
		err = cmdKeygen(args)
	case "sign":
		err = cmdSign(args)
	default:
		err = usageError{fmt.Errorf("unknown command %q\n%s", cmd, usage)}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// keyAndFile parses "--FLAG K FILE" and reads FILE.
func keyAndFile(name string, args []string, flagName string) (string, []byte, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	key := fs.String(flagName, "", "key text")
	if err := fs.Parse(args); err != nil {
		return "", nil, usageError{err}
	}
	if *key == "" || fs.NArg() != 1 {
		return "", nil, usageError{fmt.Errorf("%s: want --%s K FILE", name, flagName)}
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return "", nil, usageError{err}
	}
	return strings.TrimSpace(*key), data, nil
}

func cmdNote(args []string) error {
	vkey, msg, err := keyAndFile("note", args, "vkey")
	if err != nil {
		return err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return usageError{fmt.Errorf("verifier key: %w", err)}
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return err
	}
	fmt.Print(n.Text)
	return nil
}

type checkpointJSON struct {
	Origin     string   `json:"origin"`
	Size       uint64   `json:"size"`
	RootHex    string   `json:"root_hex"`
	Extensions []string `json:"extensions"`
}

func cmdCheckpoint(args []string) error {
	vkey, msg, err := keyAndFile("checkpoint", args, "vkey")
	if err != nil {
		return err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return usageError{fmt.Errorf("verifier key: %w", err)}
	}
	// The log's origin is its key name (ledger/README.md); formats/log checks the signature,
	// then that the first line is that origin.
	cp, rest, _, err := log.ParseCheckpoint(msg, v.Name(), v)
	if err != nil {
		return err
	}
	if len(cp.Hash) != 32 {
		return fmt.Errorf("root hash is %d bytes, want 32", len(cp.Hash))
	}
	ext := []string{}
	if len(rest) > 0 {
		ext = strings.Split(strings.TrimSuffix(string(rest), "\n"), "\n")
	}
	out, _ := json.Marshal(checkpointJSON{cp.Origin, cp.Size, hex.EncodeToString(cp.Hash), ext})
	fmt.Println(string(out))
	return nil
}

// Proof files: JSON objects whose hashes are lowercase or uppercase hex strings of 32 bytes.
type inclusionJSON struct {
	LeafIndex *uint64  `json:"leaf_index"`
	TreeSize  *uint64  `json:"tree_size"`
	LeafHash  string   `json:"leaf_hash"`
	Path      []string `json:"path"`
	Root      string   `json:"root"`
}

type consistencyJSON struct {
	Size1 *uint64  `json:"size1"`
	Size2 *uint64  `json:"size2"`
	Root1 string   `json:"root1"`
	Root2 string   `json:"root2"`
	Path  []string `json:"path"`
}

func readJSON(args []string, name string, v any) error {
	if len(args) != 1 {
		return usageError{fmt.Errorf("%s: want FILE", name)}
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return usageError{err}
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return usageError{fmt.Errorf("%s: %s: %w", name, args[0], err)}
	}
	return nil
}

func hash32(field, s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, usageError{fmt.Errorf("%s: want 64 hex digits, got %q", field, s)}
	}
	return b, nil
}

func path32(p []string) ([][]byte, error) {
	if p == nil {
		return nil, usageError{errors.New("path: missing (use [] for an empty proof)")}
	}
	out := make([][]byte, len(p))
	for i, s := range p {
		b, err := hash32(fmt.Sprintf("path[%d]", i), s)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func cmdInclusion(args []string) error {
	var in inclusionJSON
	if err := readJSON(args, "inclusion", &in); err != nil {
		return err
	}
	if err := verifyInclusion(in); err != nil {
		return err
	}
	fmt.Printf("inclusion of leaf %d in tree of size %d: ok\n", *in.LeafIndex, *in.TreeSize)
	return nil
}

// verifyInclusion: a usageError when the object is malformed, another error when the proof
// does not verify.
func verifyInclusion(in inclusionJSON) error {
	if in.LeafIndex == nil || in.TreeSize == nil {
		return usageError{errors.New("inclusion: leaf_index and tree_size are required")}
	}
	leaf, err := hash32("leaf_hash", in.LeafHash)
	if err != nil {
		return err
	}
	root, err := hash32("root", in.Root)
	if err != nil {
		return err
	}
	path, err := path32(in.Path)
	if err != nil {
		return err
	}
	return proof.VerifyInclusion(rfc6962.DefaultHasher, *in.LeafIndex, *in.TreeSize, leaf, path, root)
}

func cmdConsistency(args []string) error {
	var in consistencyJSON
	if err := readJSON(args, "consistency", &in); err != nil {
		return err
	}
	if err := verifyConsistency(in); err != nil {
		return err
	}
	fmt.Printf("consistency of size %d with size %d: ok\n", *in.Size1, *in.Size2)
	return nil
}

func verifyConsistency(in consistencyJSON) error {
	if in.Size1 == nil || in.Size2 == nil {
		return usageError{errors.New("consistency: size1 and size2 are required")}
	}
	root1, err := hash32("root1", in.Root1)
	if err != nil {
		return err
	}
	root2, err := hash32("root2", in.Root2)
	if err != nil {
		return err
	}
	path, err := path32(in.Path)
	if err != nil {
		return err
	}
	return proof.VerifyConsistency(rfc6962.DefaultHasher, *in.Size1, *in.Size2, path, root1, root2)
}

// cmdLines checks a file of proofs, one JSON object a line: every one must verify, or with
// --all-invalid every one must fail to verify (a malformed line is a usage error either way).
// Exit 1 names the first line that breaks the rule.
func cmdLines(kind string, args []string) error {
	allInvalid := false
	if len(args) == 2 && args[0] == "--all-invalid" {
		allInvalid, args = true, args[1:]
	}
	if len(args) != 1 {
		return usageError{fmt.Errorf("%s-lines: want [--all-invalid] FILE", kind)}
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return usageError{err}
	}
	n := 0
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		var verr error
		if kind == "inclusion" {
			var in inclusionJSON
			if err := dec.Decode(&in); err != nil {
				return usageError{fmt.Errorf("%s line %d: %w", args[0], i+1, err)}
			}
			verr = verifyInclusion(in)
		} else {
			var in consistencyJSON
			if err := dec.Decode(&in); err != nil {
				return usageError{fmt.Errorf("%s line %d: %w", args[0], i+1, err)}
			}
			verr = verifyConsistency(in)
		}
		var u usageError
		if errors.As(verr, &u) {
			return usageError{fmt.Errorf("%s line %d: %w", args[0], i+1, verr)}
		}
		if !allInvalid && verr != nil {
			return fmt.Errorf("%s line %d: %w", args[0], i+1, verr)
		}
		if allInvalid && verr == nil {
			return fmt.Errorf("%s line %d: an altered proof verified", args[0], i+1)
		}
		n++
	}
	if allInvalid {
		fmt.Printf("%d %s proofs, each altered: every one refused\n", n, kind)
	} else {
		fmt.Printf("%d %s proofs: every one verified\n", n, kind)
	}
	return nil
}

func cmdKeygen(args []string) error {
	if len(args) != 1 {
		return usageError{errors.New("keygen: want NAME")}
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, args[0])
	if err != nil {
		return err
	}
	fmt.Println(skey)
	fmt.Println(vkey)
	return nil
}

func cmdSign(args []string) error {
	skey, text, err := keyAndFile("sign", args, "skey")
	if err != nil {
		return err
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		return usageError{fmt.Errorf("signer key: %w", err)}
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, s)
	if err != nil {
		return err
	}
	os.Stdout.Write(msg)
	return nil
}
